//! The mail server as a teacher fills it in: server name, port, security, user name,
//! password, sender address and (rarely) the school's own certificate authority.
//!
//! The settings stay what `goalpost config` sets (`smtp.url`, `smtp.from`, `smtp.ca_file`):
//! this module only takes them apart for the Settings screen and puts a filled-in form
//! back together. Saving checks everything first and then stores the three settings in one
//! transaction, so a bad field saves nothing. The password never reaches the database: it
//! goes to the OS keyring, and is stored before the settings so that a keyring that cannot
//! be used leaves the old settings as they were.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::secret;
use super::transport::ServerUrl;
use crate::error::{Error, Result};
use crate::Goalpost;

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Security {
    /// `smtp://`: STARTTLS on port 587 (plain only to this computer without a login).
    Starttls,
    /// `smtps://`: TLS from the first byte, port 465.
    Tls,
}

impl Security {
    fn scheme(self) -> &'static str {
        match self {
            Security::Starttls => "smtp",
            Security::Tls => "smtps",
        }
    }

    pub fn default_port(self) -> u16 {
        match self {
            Security::Starttls => 587,
            Security::Tls => 465,
        }
    }
}

/// Whether sending will find the password it needs, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum Password {
    /// No user name: the server takes mail without a login.
    NotNeeded,
    /// Found, in `GOALPOST_SMTP_PASSWORD` or the OS keyring.
    Found { from: secret::Source },
    /// Not found, or the keyring cannot be used: the message says which and the fix.
    Missing { message: String },
}

/// The mail settings, taken apart.
#[derive(Debug, Clone, Serialize)]
pub struct MailServer {
    /// The server's name; `None` when no server is set and messages go to `outbox`.
    pub host: Option<String>,
    pub port: u16,
    pub security: Security,
    pub user: Option<String>,
    /// `smtp.from` as stored (`None`: the teacher's address is used).
    pub from: Option<String>,
    /// The address messages actually come from.
    pub sender: String,
    pub ca_file: Option<String>,
    pub password: Password,
    /// The folder `.eml` files are written to when no server is set.
    pub outbox: PathBuf,
    /// `smtp.url` as stored.
    pub url: Option<String>,
}

/// The Settings screen's mail form. Empty strings mean "not set".
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct MailServerInput {
    /// The server's name (`smtp.school.org`); empty: write messages to the outbox folder.
    /// A whole address (`smtp://user@host:587`) is accepted too.
    pub host: String,
    /// `None`: the usual port for the security chosen.
    pub port: Option<u16>,
    pub security: Option<Security>,
    pub user: String,
    /// A new password for the OS keyring; `None` or empty keeps the stored one.
    pub password: Option<String>,
    pub from: String,
    pub ca_file: String,
}

impl Goalpost {
    /// The mail settings as the Settings screen shows them.
    pub fn mail_server(&self) -> Result<MailServer> {
        let settings = self.config()?;
        let url = settings.smtp_url.clone();
        // Stored settings were checked when they were set; one that no longer parses is
        // shown as "no server" and `url` shows it as it is.
        let parsed = url.as_deref().and_then(|u| ServerUrl::parse(u).ok());
        let security = match &parsed {
            Some(p) if p.tls => Security::Tls,
            _ => Security::Starttls,
        };
        let password = match &parsed {
            Some(ServerUrl {
                host,
                user: Some(user),
                ..
            }) => match secret::password(user, host) {
                Ok((_, from)) => Password::Found { from },
                Err(e) => Password::Missing {
                    message: e.to_string(),
                },
            },
            _ => Password::NotNeeded,
        };
        let port = parsed.as_ref().and_then(|p| p.port);
        let (host, user) = parsed.map_or((None, None), |p| (Some(p.host), p.user));
        Ok(MailServer {
            port: port.unwrap_or(security.default_port()),
            host,
            security,
            user,
            sender: settings.sender(&self.class()?),
            from: settings.smtp_from,
            ca_file: settings
                .smtp_ca_file
                .map(|p| p.to_string_lossy().into_owned()),
            password,
            outbox: self.folders().outbox(),
            url,
        })
    }

    /// Checks the whole form, stores a new password in the OS keyring, then saves
    /// `smtp.url`, `smtp.from` and `smtp.ca_file` together. Nothing is saved on an error.
    pub fn set_mail_server(&self, input: &MailServerInput) -> Result<MailServer> {
        let url = server_url(input)?;
        let checked = self.check_settings(&[
            ("smtp.url", url.as_deref().unwrap_or("")),
            ("smtp.from", &input.from),
            ("smtp.ca_file", &input.ca_file),
        ])?;
        if let Some(password) = input.password.as_deref().filter(|p| !p.is_empty()) {
            let Some(url) = &url else {
                return Err(Error::invalid(
                    "a password was given but no server: fill in the server's name first",
                ));
            };
            let ServerUrl { host, user, .. } = ServerUrl::parse(url)?;
            let Some(user) = user else {
                return Err(Error::invalid(
                    "a password was given without a user name: fill in the user name the school gave you, or leave the password empty for a server without a login",
                ));
            };
            secret::store_password(&user, &host, password)?;
        }
        self.save_settings(checked)?;
        self.mail_server()
    }
}

/// `smtp.url` for the form, or `None` when no server is named.
fn server_url(input: &MailServerInput) -> Result<Option<String>> {
    let host = input.host.trim();
    if host.is_empty() {
        return Ok(None);
    }
    if host.contains("://") {
        // A whole address pasted from the school's instructions.
        return Ok(Some(host.to_string()));
    }
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let ipv6 = bare.parse::<std::net::Ipv6Addr>().is_ok();
    if bare
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '/' | '@' | '?' | '#'))
        || (!ipv6 && bare.contains(':'))
    {
        return Err(Error::invalid(format!(
            "the server name {host:?} is not just a name: write only the name, e.g. smtp.school.org, and put the port in its own field"
        )));
    }
    let security = input.security.unwrap_or(Security::Starttls);
    let port = input.port.unwrap_or(security.default_port());
    if port == 0 {
        return Err(Error::invalid(
            "the port is 0: use the port the school gave you, usually 587 (STARTTLS) or 465 (TLS)",
        ));
    }
    let mut u = url::Url::parse(&format!("{}://localhost", security.scheme()))
        .map_err(|e| Error::invalid(e.to_string()))?;
    let host_part = if ipv6 {
        format!("[{bare}]")
    } else {
        bare.to_string()
    };
    u.set_host(Some(&host_part)).map_err(|e| {
        Error::invalid(format!(
            "the server name {host:?} is not valid ({e}): write it as smtp.school.org"
        ))
    })?;
    let _ = u.set_port(Some(port));
    let user = input.user.trim();
    if user.chars().any(char::is_control) {
        return Err(Error::invalid(
            "the user name contains a control character: type it again",
        ));
    }
    if !user.is_empty() {
        let _ = u.set_username(user);
    }
    Ok(Some(u.as_str().trim_end_matches('/').to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(host: &str, port: Option<u16>, security: Security, user: &str) -> MailServerInput {
        MailServerInput {
            host: host.into(),
            port,
            security: Some(security),
            user: user.into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_filled_in_form_becomes_the_address_the_cli_uses() {
        let url = |i: &MailServerInput| server_url(i).unwrap();
        assert_eq!(
            url(&form("smtp.school.org", None, Security::Starttls, "ms.lee")),
            Some("smtp://ms.lee@smtp.school.org:587".into())
        );
        assert_eq!(
            url(&form("mail.school.org", None, Security::Tls, "")),
            Some("smtps://mail.school.org:465".into())
        );
        assert_eq!(
            url(&form("127.0.0.1", Some(2525), Security::Starttls, "")),
            Some("smtp://127.0.0.1:2525".into())
        );
        assert_eq!(
            url(&form("::1", Some(25), Security::Starttls, "")),
            Some("smtp://[::1]:25".into())
        );
        // A user name with an @ (many schools log in with the whole address).
        assert_eq!(
            url(&form(
                "smtp.school.org",
                None,
                Security::Starttls,
                "lee@school.org"
            )),
            Some("smtp://lee%40school.org@smtp.school.org:587".into())
        );
        assert_eq!(url(&form("  ", None, Security::Tls, "x")), None);
        assert_eq!(
            url(&form("smtps://a@b.org", None, Security::Starttls, "")),
            Some("smtps://a@b.org".into())
        );
    }

    #[test]
    fn a_server_name_with_more_than_a_name_is_refused_with_the_fix() {
        for bad in [
            "smtp.school.org:587",
            "smtp school.org",
            "user@smtp.school.org",
            "smtp.school.org/mail",
        ] {
            let e = server_url(&form(bad, None, Security::Starttls, ""))
                .unwrap_err()
                .to_string();
            assert!(e.contains("smtp.school.org"), "{bad}: {e}");
        }
        let e = server_url(&form("a.org", Some(0), Security::Starttls, ""))
            .unwrap_err()
            .to_string();
        assert!(e.contains("587"), "{e}");
    }
}
