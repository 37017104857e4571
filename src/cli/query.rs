//! `meshc query PROFILE [--from …] [--host …] …`: one request through the rendered mesh, each
//! hop's decision and why.

use std::io::Write;
use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{Exit, Output, load_simulated};
use crate::diagnostic::render::Style;
use crate::simulate::{Jwt, Origin, Request, Scheme, Token};
use crate::topology;

/// Arguments of `meshc query`.
#[derive(Debug, Args)]
pub(super) struct QueryArgs {
    /// The profile (TOML).
    profile: PathBuf,
    /// Where the request enters: `gateway` (the first gateway), `gateway:<name>`, a service of
    /// the profile, a workload of the topology, `<namespace>/<service-account>`, or
    /// `plaintext` (no sidecar, no identity).
    #[arg(long, default_value = "gateway")]
    from: String,
    /// The Host header (default: that gateway's first host; required from inside the mesh).
    #[arg(long)]
    host: Option<String>,
    /// The port dialled (default: 443 or 80 at the gateway, the Service's port inside).
    #[arg(long)]
    port: Option<u16>,
    /// The scheme towards the gateway.
    #[arg(long, value_enum, default_value_t = SchemeArg::Https)]
    scheme: SchemeArg,
    /// The TLS server name, when it differs from the host.
    #[arg(long)]
    sni: Option<String>,
    /// The method.
    #[arg(long, default_value = "GET")]
    method: String,
    /// The path as sent, query included.
    #[arg(long, default_value = "/")]
    path: String,
    /// A header, `name=value`; may repeat.
    #[arg(long = "header", value_name = "NAME=VALUE")]
    headers: Vec<String>,
    /// The token: none, one that fails verification, or a valid one with `--claim`s.
    #[arg(long, value_enum, default_value_t = TokenArg::None)]
    token: TokenArg,
    /// A claim of the token, `name=value`; a JSON list or object is read as such.
    #[arg(long = "claim", value_name = "NAME=VALUE")]
    claims: Vec<String>,
    /// The token's issuer (default: the profile's).
    #[arg(long)]
    issuer: Option<String>,
    /// An audience of the token (default: the profile's); may repeat.
    #[arg(long = "audience")]
    audiences: Vec<String>,
    /// The token's subject.
    #[arg(long, default_value = "user")]
    subject: String,
    /// The client's address, for `ipBlocks`.
    #[arg(long)]
    source_ip: Option<IpAddr>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum SchemeArg {
    Http,
    Https,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum TokenArg {
    /// No token.
    None,
    /// A token that fails verification.
    Invalid,
    /// A valid token with the given claims.
    Claims,
}

fn pair(text: &str, what: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .ok_or_else(|| format!("{what} `{text}` is not `name=value`"))
}

impl QueryArgs {
    pub(super) fn run(self, output: &Output) -> Exit {
        let (_, simulated) = match load_simulated(&self.profile, output) {
            Ok(loaded) => loaded,
            Err(exit) => return exit,
        };
        let (profile, mesh) = (&simulated.profile, &simulated.mesh);
        let request = match self.request(profile) {
            Ok(request) => request,
            Err(message) => return output.trouble(&message),
        };
        let trace = mesh.evaluate(&request);
        let text = match output.style {
            Style::Human { .. } => {
                let scheme = match request.from {
                    Origin::Gateway(_) => format!("{}://", request.scheme.as_str()),
                    _ => String::new(),
                };
                format!(
                    "{} {scheme}{}{} from {}\n{trace}",
                    request.method, request.host, request.path, request.from
                )
            }
            Style::Json => {
                let value = serde_json::json!({
                    "request": request,
                    "trace": trace,
                    "outcome": trace.outcome(),
                });
                format!("{value}\n")
            }
        };
        match std::io::stdout().lock().write_all(text.as_bytes()) {
            Ok(()) => Exit::Success,
            Err(error) => output.trouble(&format!("cannot write to stdout: {error}")),
        }
    }

    fn request(&self, profile: &crate::model::Profile) -> Result<Request, String> {
        let from = topology::origin(profile, &self.from)?;
        let host = match (&self.host, &from) {
            (Some(host), _) => host.clone(),
            (None, Origin::Gateway(_)) => topology::gateway_host(profile, &self.from)
                .ok_or("the profile has no gateway host; give --host")?,
            (None, _) => return Err("give --host: the Host header of the request".to_string()),
        };
        let jwt = profile.security.jwt.as_ref();
        let token = match self.token {
            TokenArg::None => Token::None,
            TokenArg::Invalid => Token::Invalid,
            TokenArg::Claims => {
                let mut claims = serde_json::Map::new();
                for claim in &self.claims {
                    let (name, value) = pair(claim, "--claim")?;
                    let value = match serde_json::from_str::<serde_json::Value>(&value) {
                        Ok(v @ (serde_json::Value::Array(_) | serde_json::Value::Object(_))) => v,
                        _ => serde_json::Value::String(value),
                    };
                    claims.insert(name, value);
                }
                Token::Valid(Jwt {
                    issuer: self
                        .issuer
                        .clone()
                        .or_else(|| jwt.map(|j| j.issuer.to_string()))
                        .ok_or("the profile has no issuer; give --issuer")?,
                    subject: Some(self.subject.clone()),
                    audiences: if self.audiences.is_empty() {
                        jwt.map(|j| j.audiences.clone()).unwrap_or_default()
                    } else {
                        self.audiences.clone()
                    },
                    claims,
                })
            }
        };
        let headers = self
            .headers
            .iter()
            .map(|h| pair(h, "--header"))
            .collect::<Result<_, _>>()?;
        Ok(Request {
            from,
            host,
            port: self.port,
            scheme: match self.scheme {
                SchemeArg::Http => Scheme::Http,
                SchemeArg::Https => Scheme::Https,
            },
            sni: self.sni.clone(),
            method: self.method.clone(),
            path: self.path.clone(),
            headers,
            token,
            source_ip: self.source_ip,
        })
    }
}
