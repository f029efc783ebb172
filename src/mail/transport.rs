//! Where messages go: the school's mail server (see [`super::smtp`]) or, without one, an
//! `.eml` file per message in the outbox folder; the server's address and login as
//! `smtp.url` names them; and `mail test`.

use std::path::PathBuf;

use serde::Serialize;

use super::queue::{class_tag, domain_of};
use super::smtp::{self, Failure};
use super::{compose, secret};
use crate::config::Settings;
use crate::error::{Error, Result};
use crate::{DataDir, Goalpost};

impl Goalpost {
    /// The address messages come from: `smtp.from`, else the teacher's.
    pub fn mail_from(&self) -> Result<String> {
        Ok(self.config()?.sender(&self.class()?))
    }

    /// Where messages go, with the password looked up when the server needs one.
    pub fn mail_transport(&self) -> Result<(TransportConfig, Option<secret::Source>)> {
        configure(&self.config()?, self.folders())
    }

    /// Sends a short test message to `address` through the configured transport.
    pub fn mail_test(&self, address: &str) -> Result<TestReport> {
        let address = crate::validate::email(address)?;
        let class = self.class()?;
        let from = self.mail_from()?;
        let now = self.now();
        let mid = format!(
            "<goalpost.test.{}.{}@{}>",
            now.timestamp(),
            class_tag(&class),
            domain_of(&from)
        );
        let l = crate::i18n::Localizer::new(
            Some(self.data_dir()),
            "mail",
            &class.language,
            &class.language,
        )?;
        let bytes = compose::compose_test(&class, &l, &from, &address, &mid, now)?;
        let (cfg, source) = self.mail_transport()?;
        let mut t = Transport::open(&cfg).map_err(|f| Error::Mail(f.to_string()))?;
        t.send(&from, &address, &mid, &bytes)
            .map_err(|f| Error::Mail(format!("the test message was not sent: {f}")))?;
        Ok(TestReport {
            transport: cfg.describe(),
            to: address,
            file: match &cfg {
                TransportConfig::Folder(p) => Some(p.join(eml_file_name(&mid))),
                TransportConfig::Smtp(_) => None,
            },
            message_id: mid,
            password_from: source,
        })
    }

    /// Stores the SMTP password for the user named in `smtp.url` in the OS keyring.
    pub fn mail_store_password(&self, password: &str) -> Result<String> {
        let raw = self.config()?.smtp_url.ok_or_else(|| {
            Error::invalid(
                "no mail server is set: first `goalpost config set smtp.url smtp://user@host:587`",
            )
        })?;
        let ServerUrl { host, user, .. } = ServerUrl::parse(&raw)?;
        let Some(user) = user else {
            return Err(Error::invalid(format!(
                "smtp.url {raw:?} names no user: set it as smtp://USER@host:587 first"
            )));
        };
        secret::store_password(&user, &host, password)?;
        Ok(format!("{user}@{host}"))
    }
}

/// Where messages go.
#[derive(Debug, Clone)]
pub enum TransportConfig {
    /// One `.eml` file per message in this folder (no mail server configured).
    Folder(PathBuf),
    Smtp(smtp::Config),
}

impl TransportConfig {
    pub fn describe(&self) -> String {
        match self {
            TransportConfig::Folder(p) => p.display().to_string(),
            TransportConfig::Smtp(c) => format!(
                "{}://{}:{}",
                if c.security == smtp::Security::Tls {
                    "smtps"
                } else {
                    "smtp"
                },
                c.host,
                c.port
            ),
        }
    }
}

pub(super) enum Transport {
    Folder(PathBuf),
    Smtp(Box<smtp::Client>),
}

impl Transport {
    pub(super) fn open(cfg: &TransportConfig) -> std::result::Result<Transport, Failure> {
        Ok(match cfg {
            TransportConfig::Folder(p) => {
                std::fs::create_dir_all(p).map_err(|e| {
                    Failure::Config(format!(
                        "could not create the outbox folder {}: {e}",
                        p.display()
                    ))
                })?;
                Transport::Folder(p.clone())
            }
            TransportConfig::Smtp(c) => Transport::Smtp(Box::new(smtp::Client::new(c.clone())?)),
        })
    }

    pub(super) fn send(
        &mut self,
        from: &str,
        to: &str,
        message_id: &str,
        bytes: &[u8],
    ) -> std::result::Result<(), Failure> {
        match self {
            Transport::Folder(dir) => {
                let path = dir.join(eml_file_name(message_id));
                // X-Unsent tells Outlook to open the file as a message ready to send.
                let mut out = Vec::with_capacity(bytes.len() + 16);
                out.extend_from_slice(b"X-Unsent: 1\r\n");
                out.extend_from_slice(bytes);
                crate::fsutil::write_atomic(&path, &out)
                    .map_err(|e| Failure::Transient(e.to_string()))
            }
            Transport::Smtp(c) => c.send(from, to, bytes),
        }
    }

    /// Whether a connection to the server is open (false after a failure to connect).
    pub(super) fn connected(&self) -> bool {
        match self {
            Transport::Folder(_) => true,
            Transport::Smtp(c) => c.is_connected(),
        }
    }

    pub(super) fn connections(&self) -> usize {
        match self {
            Transport::Folder(_) => 0,
            Transport::Smtp(c) => c.connections,
        }
    }
}

/// Where messages go as `settings` say, with the password looked up when the server needs
/// one: the server `smtp.url` names, or the outbox folder of `data` when none is set.
pub fn configure(
    settings: &Settings,
    data: DataDir<'_>,
) -> Result<(TransportConfig, Option<secret::Source>)> {
    let Some(raw) = &settings.smtp_url else {
        return Ok((TransportConfig::Folder(data.outbox()), None));
    };
    let ServerUrl {
        host,
        user,
        tls,
        port,
    } = ServerUrl::parse(raw)?;
    // Plain SMTP only to this computer, and never with a login: a password is only
    // ever sent over TLS.
    let security = if tls {
        smtp::Security::Tls
    } else if smtp::is_loopback(&host) && user.is_none() {
        smtp::Security::Plain
    } else {
        smtp::Security::StartTls
    };
    let port = port.unwrap_or(if tls { 465 } else { 587 });
    let (password, source) = match &user {
        Some(user) => {
            let (p, s) = secret::password(user, &host)?;
            (Some(p), Some(s))
        }
        None => (None, None),
    };
    Ok((
        TransportConfig::Smtp(smtp::Config {
            host,
            port,
            security,
            user,
            password,
            timeout: settings.smtp_timeout,
            hello: hello_name(),
            ca_file: settings.smtp_ca_file.clone(),
        }),
        source,
    ))
}

/// `<goalpost.e12.c5.1a2b3c4d@school.example>` → `goalpost.e12.c5.1a2b3c4d.eml`.
pub fn eml_file_name(message_id: &str) -> String {
    let local = message_id
        .trim_matches(|c| c == '<' || c == '>')
        .split('@')
        .next()
        .unwrap_or("message");
    let safe: String = local
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{safe}.eml")
}

/// What `mail test` did.
#[derive(Debug, Clone, Serialize)]
pub struct TestReport {
    pub transport: String,
    pub to: String,
    pub message_id: String,
    pub password_from: Option<secret::Source>,
    /// The `.eml` file, when no server is configured.
    pub file: Option<PathBuf>,
}

/// What an `smtp.url` names, as the transport and the keyring use it: the server without
/// an IPv6 address's brackets and the user name percent-decoded. The keyring entry is
/// keyed by exactly these, so storing a password and looking it up always agree.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct ServerUrl {
    pub(super) host: String,
    pub(super) user: Option<String>,
    /// `smtps://`: TLS from the first byte.
    pub(super) tls: bool,
    pub(super) port: Option<u16>,
}

impl ServerUrl {
    pub(super) fn parse(raw: &str) -> Result<ServerUrl> {
        let u = url::Url::parse(raw).map_err(|e| {
            Error::invalid(format!("smtp.url {raw:?} is not valid ({e}): set it again"))
        })?;
        let host = u
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| Error::invalid(format!("smtp.url {raw:?} names no server")))?;
        Ok(ServerUrl {
            host: host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_string(),
            user: (!u.username().is_empty()).then(|| percent_decode(u.username())),
            tls: u.scheme() == "smtps",
            port: u.port(),
        })
    }
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// The name given in EHLO: this computer's name when it is a plain DNS label, else a
/// neutral one (never a person's name).
fn hello_name() -> String {
    let h = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    if !h.is_empty()
        && h.len() < 64
        && h.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
    {
        h
    } else {
        "goalpost.localdomain".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eml_names_are_ascii_and_from_the_message_id() {
        assert_eq!(
            eml_file_name("<goalpost.evidence.12.c5.ab12cd34@school.example>"),
            "goalpost.evidence.12.c5.ab12cd34.eml"
        );
    }

    #[test]
    fn percent_decoding_of_user_names() {
        assert_eq!(
            percent_decode("room7%40school.example"),
            "room7@school.example"
        );
        assert_eq!(percent_decode("plain"), "plain");
        assert_eq!(percent_decode("bad%4"), "bad%4");
        // An escape at the very end is decoded too.
        assert_eq!(percent_decode("room7%40"), "room7@");
    }

    /// The transport looks a password up, and `mail password` stores it, under the same
    /// user and host: IPv6 brackets off, the user name decoded.
    #[test]
    fn an_smtp_url_names_the_server_and_login_one_way() {
        assert_eq!(
            ServerUrl::parse("smtp://lee%40school.org@[::1]:2525").unwrap(),
            ServerUrl {
                host: "::1".into(),
                user: Some("lee@school.org".into()),
                tls: false,
                port: Some(2525),
            }
        );
        assert_eq!(
            ServerUrl::parse("smtps://mail.school.org").unwrap(),
            ServerUrl {
                host: "mail.school.org".into(),
                user: None,
                tls: true,
                port: None,
            }
        );
        assert!(ServerUrl::parse("not a url").is_err());
    }
}
