//! Settings kept in the database, each with a documented key, a default and a check.
//!
//! The keys are a public interface (schools script `goalpost config set`): add keys, never
//! rename them. A value is checked before it is stored, so a stored value is always usable.

use std::path::PathBuf;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::{store, validate, Goalpost};

/// One documented setting.
pub struct Key {
    pub name: &'static str,
    pub help: &'static str,
    /// The value used when none is set; `None` means "not set" has its own meaning.
    pub default: Option<&'static str>,
    check: fn(&str) -> Result<String>,
}

pub const KEYS: &[Key] = &[
    Key {
        name: "smtp.url",
        help: "The school's mail server: smtp://127.0.0.1:2525 (plain: this computer only, no login), smtp://user@host:587 (STARTTLS, required whenever a user is named) or smtps://user@host (TLS). Unset: messages are written to the outbox folder. The password is never stored here: it comes from the OS keyring or GOALPOST_SMTP_PASSWORD.",
        default: None,
        check: check_smtp_url,
    },
    Key {
        name: "smtp.from",
        help: "The address messages are sent from, e.g. class@school.example. Unset: the teacher's email.",
        default: None,
        check: validate::email,
    },
    Key {
        name: "smtp.ca_file",
        help: "A PEM file with the certificate of the school's own certificate authority, for a mail server whose certificate is not signed by a public one (full path). Unset: the public authorities and this computer's own (SSL_CERT_FILE is honoured too).",
        default: None,
        check: check_ca_file,
    },
    Key {
        name: "blog.dir",
        help: "The folder the class blog is written to. Unset: <data folder>/blog.",
        default: None,
        check: check_dir,
    },
    Key {
        name: "blog.site_url",
        help: "The blog's public address (https://school.example/class/), for absolute links in the feed and links in emails. Unset: relative links only.",
        default: None,
        check: check_site_url,
    },
    Key {
        name: "blog.publish_command",
        help: "A command run after each successful blog build, e.g. an rsync to the school's web server. Unset: nothing is run.",
        default: None,
        check: check_command,
    },
    Key {
        name: "mail.weekly_day",
        help: "The day weekly digests are sent: monday ... sunday.",
        default: Some("friday"),
        check: check_weekday,
    },
    Key {
        name: "smtp.timeout",
        help: "Seconds to wait for the mail server to connect or answer, 1 to 600. A reply that does not come in time after a message was sent counts as an unknown outcome: the message is sent again later with the same Message-ID.",
        default: Some("30"),
        check: check_timeout,
    },
    Key {
        name: "photo.quality",
        help: "JPEG quality of the web copies of photos, 40 to 95.",
        default: Some("80"),
        check: check_quality,
    },
    Key {
        name: "station.fullscreen",
        help: "yes: the class station opens full screen without a window frame (a kiosk), and only the teacher's window, behind the PIN, closes it. no: a normal window.",
        default: Some("no"),
        check: check_yes_no,
    },
];

pub fn key(name: &str) -> Result<&'static Key> {
    KEYS.iter().find(|k| k.name == name).ok_or_else(|| {
        Error::invalid(format!(
            "unknown setting {name:?}: known settings are {}",
            KEYS.iter().map(|k| k.name).collect::<Vec<_>>().join(", ")
        ))
    })
}

/// A setting as `config list` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Setting {
    pub key: &'static str,
    pub value: Option<String>,
    pub is_default: bool,
    pub help: &'static str,
}

impl Goalpost {
    /// The value of a setting: the stored one, else its default.
    pub fn setting(&self, name: &str) -> Result<Option<String>> {
        let k = key(name)?;
        Ok(store::settings::get(self.store().conn(), name)?.or(k.default.map(str::to_string)))
    }

    /// Checks and stores a setting; an empty value removes it (back to the default).
    pub fn set_setting(&self, name: &str, value: &str) -> Result<Option<String>> {
        self.set_settings(&[(name, value)])?;
        self.setting(name)
    }

    /// Checks every `(key, value)` first, then stores them all in one transaction: either
    /// every value is saved or, on the first bad one, none is. Empty values remove.
    pub fn set_settings(&self, pairs: &[(&str, &str)]) -> Result<()> {
        let checked = self.check_settings(pairs)?;
        self.save_settings(checked)
    }

    /// Stores what [`Goalpost::check_settings`] returned, in one transaction.
    pub(crate) fn save_settings(&self, checked: Vec<(&str, Option<String>)>) -> Result<()> {
        self.store().in_tx(|tx| {
            for (name, v) in &checked {
                match v {
                    Some(v) => store::settings::set(tx, name, v)?,
                    None => {
                        store::settings::unset(tx, name)?;
                    }
                }
            }
            Ok(())
        })
    }

    /// The values [`Goalpost::set_settings`] would store (`None`: removed), or the first
    /// problem, naming its key. Stores nothing.
    pub fn check_settings<'k>(
        &self,
        pairs: &[(&'k str, &str)],
    ) -> Result<Vec<(&'k str, Option<String>)>> {
        let mut checked = Vec::with_capacity(pairs.len());
        for &(name, value) in pairs {
            let k = key(name)?;
            let v = if value.trim().is_empty() {
                None
            } else {
                Some((k.check)(value).map_err(|e| match e {
                    Error::Invalid(m) => Error::Invalid(format!("{name}: {m}")),
                    other => other,
                })?)
            };
            checked.push((name, v));
        }
        Ok(checked)
    }

    pub fn settings(&self) -> Result<Vec<Setting>> {
        let stored = store::settings::all(self.store().conn())?;
        Ok(KEYS
            .iter()
            .map(|k| {
                let v = stored
                    .iter()
                    .find(|(n, _)| n == k.name)
                    .map(|(_, v)| v.clone());
                Setting {
                    key: k.name,
                    is_default: v.is_none(),
                    value: v.or(k.default.map(str::to_string)),
                    help: k.help,
                }
            })
            .collect())
    }

    /// The blog folder: `blog.dir`, or `<data folder>/blog`.
    pub fn blog_dir(&self) -> Result<PathBuf> {
        Ok(match self.setting("blog.dir")? {
            Some(d) => PathBuf::from(d),
            None => self.data_dir().join("blog"),
        })
    }
}

fn check_smtp_url(v: &str) -> Result<String> {
    let u = url::Url::parse(v.trim()).map_err(|e| {
        Error::invalid(format!(
            "{v:?} is not a mail server address ({e}): use smtp://host:587 or smtps://host"
        ))
    })?;
    if !matches!(u.scheme(), "smtp" | "smtps") {
        return Err(Error::invalid(format!(
            "{v:?} starts with {}://: use smtp:// (STARTTLS) or smtps:// (TLS)",
            u.scheme()
        )));
    }
    if u.password().is_some() {
        return Err(Error::invalid(
            "the address contains a password: remove it and store the password in the OS keyring (`goalpost mail password`) or GOALPOST_SMTP_PASSWORD",
        ));
    }
    if u.host_str().unwrap_or("").is_empty() {
        return Err(Error::invalid(format!(
            "{v:?} names no server: write it as smtp://host:587"
        )));
    }
    if u.path() != "" && u.path() != "/" || u.query().is_some() {
        return Err(Error::invalid(format!(
            "{v:?} has a path or query: write only smtp[s]://[user@]host[:port]"
        )));
    }
    Ok(u.as_str().trim_end_matches('/').to_string())
}

fn check_dir(v: &str) -> Result<String> {
    let v = v.trim();
    if v.contains('\0') {
        return Err(Error::invalid("the folder name contains NUL: remove it"));
    }
    let p = PathBuf::from(v);
    if !p.is_absolute() {
        return Err(Error::invalid(format!(
            "{v:?} is a relative path: give the full path of the folder"
        )));
    }
    validate::path_names(v)?;
    Ok(v.to_string())
}

fn check_ca_file(v: &str) -> Result<String> {
    validate::path_names(v.trim())?;
    let v = check_dir(v).map_err(|_| {
        Error::invalid(format!(
            "{v:?} is not a full path: give the full path of the certificate authority file (PEM), e.g. /etc/ssl/school-ca.pem"
        ))
    })?;
    crate::mail::smtp::read_ca_file(std::path::Path::new(&v)).map_err(Error::invalid)?;
    Ok(v)
}

fn check_site_url(v: &str) -> Result<String> {
    let u = url::Url::parse(v.trim()).map_err(|e| {
        Error::invalid(format!(
            "{v:?} is not a web address ({e}): use e.g. https://school.example/room-7/"
        ))
    })?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err(Error::invalid(format!(
            "{v:?} is not an http(s) address: use e.g. https://school.example/room-7/"
        )));
    }
    let mut s = u.to_string();
    if !s.ends_with('/') {
        s.push('/');
    }
    Ok(s)
}

fn check_command(v: &str) -> Result<String> {
    if v.contains('\0') {
        return Err(Error::invalid("the command contains NUL: remove it"));
    }
    Ok(v.trim().to_string())
}

pub const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

fn check_weekday(v: &str) -> Result<String> {
    let t = v.trim().to_lowercase();
    WEEKDAYS
        .iter()
        .find(|d| **d == t || (t.len() >= 3 && d.starts_with(&t)))
        .map(|d| d.to_string())
        .ok_or_else(|| Error::invalid(format!("{v:?} is not a day: use monday ... sunday")))
}

fn check_timeout(v: &str) -> Result<String> {
    match v.trim().parse::<u16>() {
        Ok(s) if (1..=600).contains(&s) => Ok(s.to_string()),
        _ => Err(Error::invalid(format!(
            "{v:?} is not a number of seconds from 1 to 600: 30 is a good choice"
        ))),
    }
}

fn check_quality(v: &str) -> Result<String> {
    match v.trim().parse::<u8>() {
        Ok(q) if (40..=95).contains(&q) => Ok(q.to_string()),
        _ => Err(Error::invalid(format!(
            "{v:?} is not a JPEG quality from 40 to 95: 80 is a good choice"
        ))),
    }
}

fn check_yes_no(v: &str) -> Result<String> {
    match v.trim().to_lowercase().as_str() {
        "yes" | "true" | "on" | "1" => Ok("yes".into()),
        "no" | "false" | "off" | "0" => Ok("no".into()),
        _ => Err(Error::invalid(format!("{v:?} is not yes or no"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls() {
        assert_eq!(
            check_smtp_url("smtp://127.0.0.1:2525").unwrap(),
            "smtp://127.0.0.1:2525"
        );
        assert!(check_smtp_url("smtp://teacher@mail.school.nz:587").is_ok());
        assert!(check_smtp_url("smtps://teacher@mail.school.nz").is_ok());
        assert!(check_smtp_url("smtp://u:secret@host").is_err());
        assert!(check_smtp_url("http://host").is_err());
        assert!(check_smtp_url("mail.school.nz").is_err());
    }

    #[test]
    fn weekdays_and_quality() {
        assert_eq!(check_weekday("Fri").unwrap(), "friday");
        assert!(check_weekday("someday").is_err());
        assert!(check_quality("80").is_ok());
        assert!(check_quality("100").is_err());
    }
}
