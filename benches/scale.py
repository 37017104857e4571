#!/usr/bin/env python3
"""Profiles of adversarial shapes, for finding inputs that make meshc superlinear.

Each case is a function of N that prints a profile of about N services (or routes, tenants,
gateways...) in one shape: many selectors sharing labels, a Sidecar or a PeerAuthentication
per workload, every service callable by every other, and so on. benches/README.md's rows on
superlinear inputs name their case. Usage:

    python3 benches/scale.py                  # the cases, one per line
    python3 benches/scale.py CASE N > p.toml  # one profile
    /usr/bin/time -f '%e s %M KB' target/release/meshc render p.toml --out /tmp/o

A shape is linear when 4N costs about four times N (instructions under callgrind are the
measure that does not depend on the machine's load). Some cases are invalid on purpose and
measure how fast meshc refuses them.
"""
import sys

JWT = '''[security.jwt]
issuer = "https://auth.example.com"
jwks-uri = "https://auth.example.com/jwks.json"
audiences = ["a"]
'''
def svc(i, extra=""):
    return f'[services.s{i}]\nport = 8080\n{extra}callers = [{{ namespaces = ["default"] }}]\n\n'
def svcs(n, extra=lambda i: ""):
    return "".join(svc(i, extra(i)) for i in range(n))
def gw(hosts=('api.example.com',), name=None):
    h = ", ".join(f'"{x}"' for x in hosts)
    head = "[gateway]" if name is None else f"[gateways.{name}]"
    return f'{head}\nhosts = [{h}]\ncredential = "c"\n\n'

C = {}
def case(f): C[f.__name__] = f; return f

@case
def gw_routes_plain(n):  # n plain prefix routes distinct
    return JWT + svcs(1) + gw() + "".join(f'[gateway.routes.r{i}]\nprefix = "/p{i}"\nservice = "s0"\n' for i in range(n))
@case
def gw_routes_cond(n):  # n conditional routes distinct paths
    return JWT + svcs(1) + gw() + "".join(f'[gateway.routes.r{i}]\nprefix = "/p{i}"\nservice = "s0"\nmethods = ["GET"]\n' for i in range(n))
@case
def gw_routes_exact_same(n):  # duplicates: same exact path -> errors
    return JWT + svcs(1) + gw() + "".join(f'[gateway.routes.r{i}]\nexact = "/p"\nservice = "s0"\nmethods = ["GET"]\n' for i in range(n))
@case
def gw_routes_hosts(n):  # routes with hosts, distinct prefixes, many hosts
    hosts = [f"h{j}.example.com" for j in range(200)]
    return JWT + svcs(1) + gw(hosts) + "".join(f'[gateway.routes.r{i}]\nprefix = "/p{i}"\nservice = "s0"\nhosts = ["h{i%200}.example.com"]\n' for i in range(n))
@case
def gw_routes_hosts_dup(n):  # same prefix same host: errors
    return JWT + svcs(1) + gw(["h.example.com"]) + "".join(f'[gateway.routes.r{i}]\nprefix = "/p"\nservice = "s0"\nhosts = ["h.example.com"]\n' for i in range(n))
@case
def gw_routes_nested(n):  # nested prefixes /a, /a/a, ...: overlap chains
    return JWT + svcs(1) + gw() + "".join(f'[gateway.routes.r{i}]\nprefix = "/p{"/a"*(i%200)}{i}"\nservice = "s0"\n' for i in range(n))
@case
def gw_exact_tenants(n):  # n exact routes, n/10 tenants with paths
    t = n // 10
    s = JWT + svcs(10) + gw()
    s += "".join(f'[gateway.routes.r{i}]\nexact = "/x{i}"\nservice = "s{i%10}"\n' for i in range(n))
    s += "".join(f'[tenants.t{i}]\nservices = ["s{i%10}"]\npaths = ["/t{i}"]\n' for i in range(t))
    s += "".join(f'[gateway.routes.tr{i}]\nprefix = "/t{i}"\nservice = "s{i%10}"\n' for i in range(t))
    return s
@case
def tenants_many(n):  # n tenants over n services, 1 path each
    s = JWT + svcs(n) + gw()
    s += "".join(f'[tenants.t{i}]\nservices = ["s{i}"]\npaths = ["/t{i}"]\n' for i in range(n))
    s += "".join(f'[gateway.routes.tr{i}]\nprefix = "/t{i}"\nservice = "s{i}"\n' for i in range(n))
    return s
@case
def tenants_one_service(n):  # n tenants all on s0
    s = JWT + svcs(1) + gw()
    s += "".join(f'[tenants.t{i}]\nservices = ["s0"]\npaths = ["/t{i}"]\n' for i in range(n))
    s += "".join(f'[gateway.routes.tr{i}]\nprefix = "/t{i}"\nservice = "s0"\n' for i in range(n))
    return s
@case
def tenants_overlap(n):  # n tenants same path -> errors
    s = JWT + svcs(1) + gw()
    s += "".join(f'[tenants.t{i}]\nservices = ["s0"]\npaths = ["/t"]\n' for i in range(n))
    s += '[gateway.routes.tr]\nprefix = "/t"\nservice = "s0"\n'
    return s
@case
def tenants_paths(n):  # n/250 tenants x 250 paths
    t = max(1, n // 250)
    s = JWT + svcs(1) + gw()
    s += "".join(f'[tenants.t{i}]\nservices = ["s0"]\npaths = [' + ",".join(f'"/t{i}/p{j}"' for j in range(250)) + ']\n' for i in range(t))
    s += "".join(f'[gateway.routes.tr{i}]\nprefix = "/t{i}"\nservice = "s0"\n' for i in range(t))
    return s
@case
def ext_wild(n):  # n external services with overlapping wildcards
    return svcs(1) + "".join(f'[external-services.e{i}]\nhosts = ["*.d{i%3}.example.com", "x{i}.d{i%3}.example.com"]\n' for i in range(n))
@case
def ext_same(n):  # same host n times
    return svcs(1) + "".join(f'[external-services.e{i}]\nhost = "api.example.com"\n' for i in range(n))
@case
def ext_distinct(n):
    return svcs(1) + "".join(f'[external-services.e{i}]\nhost = "x{i}.example.com"\n' for i in range(n))
@case
def gateways_hosts(n):  # n/64 gateways x 64 hosts distinct
    g = max(1, n // 64)
    return svcs(1) + "".join(gw([f"h{i}-{j}.example.com" for j in range(64)], f"g{i}") for i in range(g))
@case
def gateways_hosts_wild(n):  # wildcards overlapping across gateways -> errors
    g = max(2, n // 64)
    return svcs(1) + "".join(gw([f"*.d{j}.example.com" if i % 2 else f"h{i}.d{j}.example.com" for j in range(64)], f"g{i}") for i in range(g))
@case
def gateways_same_host(n):  # many gateways on same host -> errors
    return svcs(1) + "".join(gw(["api.example.com"], f"g{i}") for i in range(min(n, 256)))
@case
def same_sa(n):  # every service same service account
    return svcs(n, lambda i: 'service-account = "sa"\n')
@case
def same_label_many(n):  # many labels, all shared
    lab = ", ".join(f'l{j} = "v"' for j in range(50))
    return svcs(n, lambda i: f'labels = {{ {lab} }}\n')
@case
def label_subsets(n):  # nested label selectors: service i has labels l0..l(i%50)
    return svcs(n, lambda i: 'labels = { ' + ", ".join(f'l{j} = "v"' for j in range((i % 50) + 1)) + f', id = "{i}" }}\n')
@case
def callers_all(n):  # each service callable by all others, n services
    m = n // 4
    lst = ", ".join(f'"s{j}"' for j in range(m))
    return "".join(f'[services.s{i}]\nport = 8080\ncallers = [{{ services = [{lst}] }}]\n\n' for i in range(m))
@case
def callers_many_entries(n):  # n/256 services x 256 caller entries
    m = max(1, n // 256)
    return "".join(f'[services.s{i}]\nport = 8080\ncallers = [' + ", ".join(f'{{ services = ["s{(i+1)%m}"], paths = ["/c{k}"] }}' for k in range(256)) + ']\n\n' for i in range(m))
@case
def routes_many(n):  # n/256 services x 256 routes
    m = max(1, n // 256)
    return svcs(m, lambda i: 'subsets = { a = { labels = { v = "a" } } }\nroutes = [' + ", ".join(f'{{ name = "r{k}", prefix = "/r{k}", to = "a" }}' for k in range(256)) + ']\n')
@case
def routes_dup(n):  # routes same prefix -> shadow errors?
    m = max(1, n // 256)
    return svcs(m, lambda i: 'subsets = { a = { labels = { v = "a" } } }\nroutes = [' + ", ".join(f'{{ name = "r{k}", prefix = "/r", to = "a" }}' for k in range(256)) + ']\n')
@case
def subsets_many(n):
    m = max(1, n // 256)
    return svcs(m, lambda i: 'subsets = { ' + ", ".join(f'u{k} = {{ labels = {{ v = "{k}" }} }}' for k in range(256)) + ' }\n')
@case
def subsets_same(n):
    m = max(1, n // 256)
    return svcs(m, lambda i: 'subsets = { ' + ", ".join(f'u{k} = {{ labels = {{ v = "x" }} }}' for k in range(256)) + ' }\n')
@case
def unknown_refs(n):  # n errors: callers naming unknown services
    return svcs(n, lambda i: f'retry-budget = "nope{i}"\n')
@case
def bad_names(n):  # every service name invalid
    return "".join(f'[services.S_{i}]\nport = 8080\n' for i in range(n))
@case
def namespaces_many(n):  # each service own namespace
    return svcs(n, lambda i: f'namespace = "n{i}"\n')
@case
def sidecar_ws(n):
    return '[sidecar]\nscope = "workload"\n' + "".join(f'[services.s{i}]\nport = 8080\ncallers = [{{ services = ["s{(i+1)%n}", "s{(i+7)%n}"] }}]\n\n' for i in range(n))
@case
def expect_many(n):  # n services, 256 expects
    s = svcs(n)
    s += "".join(f'[[expect]]\nfrom = "s{k % n}"\nhost = "s{(k*7) % n}"\noutcome = "allow"\n' for k in range(256))
    return s

@case
def label_bits(n):  # distinct selectors, every label carried by half the services
    b = max(1, (n - 1).bit_length())
    return svcs(n, lambda i: 'labels = { ' + ", ".join(f'k{j} = "{(i >> j) & 1}"' for j in range(b)) + ' }\n')

@case
def peer_ws(n):  # one workload PeerAuthentication per service (its own mode), one namespace
    return svcs(n, lambda i: 'mtls = "strict"\n')
@case
def peer_ns(n):  # one namespace PeerAuthentication per service, each in its own namespace
    return '[security]\nmtls-scope = "namespace"\n\n' + svcs(n, lambda i: f'namespace = "n{i}"\n')
@case
def peer_ws_ns(n):  # both: own namespace, namespace policies, and a workload policy each
    return '[security]\nmtls-scope = "namespace"\n\n' + svcs(n, lambda i: f'namespace = "n{i}"\nport-mtls = {{ 9090 = "strict" }}\n')
@case
def sidecar_ns(n):  # each service in its own namespace, a namespace-wide Sidecar each
    return '[sidecar]\nscope = "namespace"\n\n' + svcs(n, lambda i: f'namespace = "n{i}"\n')

if __name__ == "__main__":
    if len(sys.argv) == 1:
        print("\n".join(C))
    else:
        name, n = sys.argv[1], int(sys.argv[2])
        sys.stdout.write(C[name](n))
