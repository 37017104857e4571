//! A service's port or ports: the shorthand `port` (and `target-port`), or `ports`, each named
//! as Istio's protocol selection reads a Service port's name (istio.io "Protocol Selection":
//! `<protocol>[-<suffix>]`; istio/istio pkg/config/kube `ConvertProtocol` cuts the name at
//! its first `-` and parses the prefix), and the ports callers name.

use std::collections::BTreeMap;

use super::Checker;
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{Caller, NamedPort, Port, PortProtocol};
use crate::profile::Sp;
use crate::profile::raw::{self, RawCaller, RawNamedPort, RawService};

/// Kubernetes' limit on a port name (an IANA service name).
const PORT_NAME_MAX: usize = 15;

/// The service's main port, its target port, and its named ports (empty for the shorthand).
pub(super) type Ports = (Port, Port, Vec<NamedPort>);

impl Checker {
    /// `port` and `target-port`, or `ports`.
    pub(super) fn own_ports(
        &mut self,
        raw: &RawService,
        span: std::ops::Range<usize>,
    ) -> Option<Ports> {
        match (&raw.port, &raw.ports) {
            (Some(port), None) => {
                let number = self.port(port);
                let target = match &raw.target_port {
                    Some(target) => self.port(target),
                    None => number,
                };
                Some((number?, target?, Vec::new()))
            }
            (None, Some(ports)) => {
                if let Some(target) = &raw.target_port {
                    self.report(
                        Diagnostic::new(
                            Code::ConflictingKeys,
                            target.span(),
                            "`target-port` goes with `port`; with `ports`, each port names its own",
                        )
                        .help("move it into the port it belongs to: `{ name = \"http\", port = 80, target-port = 8080 }`"),
                    );
                    return None;
                }
                let named = self.named_ports(ports)?;
                let first = named.first()?;
                Some((first.port, first.target_port, named))
            }
            (Some(port), Some(ports)) => {
                self.report(
                    Diagnostic::new(
                        Code::ConflictingKeys,
                        ports.span(),
                        "`port` and `ports` both say which ports the service has",
                    )
                    .secondary(port.span(), "the shorthand for one port")
                    .help("keep `ports` and remove `port`, or the other way round"),
                );
                None
            }
            (None, None) => {
                self.report(
                    Diagnostic::new(Code::MissingKey, span, "the service declares no port")
                        .label("a service needs its port")
                        .help("add `port = <number>`, or `ports = [{ name = \"http\", port = <number> }, ...]`"),
                );
                None
            }
        }
    }

    fn named_ports(&mut self, raw: &Sp<Vec<RawNamedPort>>) -> Option<Vec<NamedPort>> {
        if raw.value.is_empty() {
            self.report(
                Diagnostic::new(Code::MissingKey, raw.span(), "`ports` is empty")
                    .help("list the service's ports, or use `port = <number>`"),
            );
            return None;
        }
        self.unique(
            raw.value.iter().map(|p| (&p.name.value, p.name.span())),
            "port name",
        );
        let mut numbers: BTreeMap<i64, std::ops::Range<usize>> = BTreeMap::new();
        for port in &raw.value {
            if let Some(first) = numbers.get(&port.port.value) {
                self.report(
                    Diagnostic::new(
                        Code::DuplicatePort,
                        port.port.span(),
                        format!("port {} is declared twice", port.port.value),
                    )
                    .label("a second port with this number")
                    .secondary(first.clone(), "first here")
                    .help("a Service port number is unique; give each port its own"),
                );
            } else {
                numbers.insert(port.port.value, port.port.span());
            }
        }
        let ports = self.each(&raw.value, Self::named_port)?;
        let first = (&ports[0], &raw.value[0]);
        if !first.0.protocol.is_http() {
            self.report(
                Diagnostic::new(
                    Code::PortProtocol,
                    first.1.name.span(),
                    format!(
                        "the first port, `{}`, is {}: the service's routes, gateway routes and proofs use its first port, which must carry HTTP",
                        first.0.name,
                        first.0.protocol.as_str()
                    ),
                )
                .label("the service's main port")
                .help("list an `http`, `http2` or `grpc` port first"),
            );
            return None;
        }
        (numbers.len() == ports.len()).then_some(ports)
    }

    fn named_port(&mut self, raw: &RawNamedPort) -> Option<NamedPort> {
        let name = self.name(&raw.name);
        if let Some(name) = &name
            && name.as_str().len() > PORT_NAME_MAX
        {
            self.report(
                Diagnostic::new(
                    Code::InvalidName,
                    raw.name.span(),
                    format!("`{name}` is longer than the {PORT_NAME_MAX} characters of a Kubernetes port name"),
                )
                .label("too long for a port name")
                .help("shorten the suffix, such as `grpc-e2`"),
            );
            return None;
        }
        let port = self.port(&raw.port);
        let target_port = match &raw.target_port {
            Some(target) => self.port(target),
            None => port,
        };
        let name = name?;
        let prefix = name.as_str().split('-').next().unwrap_or_default();
        let read = PortProtocol::ALL
            .iter()
            .find(|(word, _)| *word == prefix)
            .map(|(_, p)| *p);
        let declared = raw.protocol.as_ref().map(|p| match p.value {
            raw::PortProtocol::Http => PortProtocol::Http,
            raw::PortProtocol::Http2 => PortProtocol::Http2,
            raw::PortProtocol::Grpc => PortProtocol::Grpc,
            raw::PortProtocol::Https => PortProtocol::Https,
            raw::PortProtocol::Tls => PortProtocol::Tls,
            raw::PortProtocol::Tcp => PortProtocol::Tcp,
        });
        let protocol = match (read, declared) {
            (Some(read), None) => read,
            (Some(read), Some(declared)) if read == declared => read,
            (Some(read), Some(declared)) => {
                let span = raw.protocol.as_ref().map_or(raw.name.span(), Sp::span);
                self.report(
                    Diagnostic::new(
                        Code::PortProtocol,
                        raw.name.span(),
                        format!(
                            "Istio reads port `{name}` as {}, but the profile says {}",
                            read.as_str(),
                            declared.as_str()
                        ),
                    )
                    .label("Istio takes the protocol from this prefix")
                    .secondary(span, "the protocol the profile gives")
                    .help(format!(
                        "name it `{}-{}`, and the Kubernetes Service's port too",
                        declared.as_str(),
                        name.as_str().split_once('-').map_or("main", |(_, s)| s)
                    )),
                );
                return None;
            }
            (None, declared) => {
                let want = declared.map_or("http", PortProtocol::as_str);
                self.report(
                    Diagnostic::new(
                        Code::PortProtocol,
                        raw.name.span(),
                        format!("port `{name}` names no protocol, so Istio would guess it from the first bytes"),
                    )
                    .label("no protocol prefix")
                    .help(format!(
                        "name it `<protocol>-<suffix>`, such as `{want}-{name}`, and the Kubernetes Service's port too"
                    )),
                );
                return None;
            }
        };
        Some(NamedPort {
            name,
            port: port?,
            target_port: target_port?,
            protocol,
        })
    }

    /// The container ports a caller rule names by port name; refused where the service has no
    /// named ports.
    pub(super) fn caller_ports(
        &mut self,
        raw: &RawCaller,
        ports: &[NamedPort],
        caller: &mut Caller,
    ) -> Option<()> {
        let found = self.each(&raw.ports, |c, name| {
            let port = ports.iter().find(|p| p.name.as_str() == name.as_str());
            if port.is_none() {
                let known: Vec<&str> = ports.iter().map(|p| p.name.as_str()).collect();
                c.report(
                    Diagnostic::new(
                        Code::UnknownPort,
                        name.span(),
                        format!("`{}` is not a port of this service", name.as_str()),
                    )
                    .label("unknown port")
                    .help(if known.is_empty() {
                        "the service declares one `port` and no port names; declare `ports` to name them".to_string()
                    } else {
                        format!("its ports are {}", known.join(", "))
                    }),
                );
            }
            port.map(|p| p.target_port)
        })?;
        caller.ports = found.into();
        Some(())
    }
}
