//! Settings kept in the database, each with a documented key, a default and a check.
//!
//! The keys are a public interface (schools script `goalpost config set`): add keys, never
//! rename them. A value is checked before it is stored, so a stored value is always usable.

use std::path::PathBuf;
use std::time::Duration;

use chrono::Weekday;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::ClassInfo;
use crate::{store, validate, DataDir, Goalpost};

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
        help: "The school's mail server: smtp://127.0.0.1:2525 (plain: this computer only, no login), smtp://user@host:587 (STARTTLS, required whenever a user is named) or smtps://user@host (TLS). Unset: messages are written to the outbox folder. Off after a restore until entered again. The password is never stored here: it comes from the OS keyring or GOALPOST_SMTP_PASSWORD.",
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
        help: "A command a sync runs in the blog folder whenever the folder changed since it last succeeded, e.g. an rsync to the school's web server. Unset: nothing is run. Off after a restore until entered again.",
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
        name: "mail.max_per_week",
        help: "The most messages a family gets in a week (emails, chat texts and slips; 1 to 50): what is approved beyond it is gathered into one digest on mail.weekly_day. A week ends on mail.weekly_day. Invitations and reminders count, but are never held back.",
        default: Some("3"),
        check: check_max_per_week,
    },
    Key {
        name: "smtp.timeout",
        help: "Seconds to wait for the mail server to connect or answer, 1 to 600. A reply that does not come in time after a message was sent counts as an unknown outcome: the message is sent again later with the same Message-ID.",
        default: Some("30"),
        check: check_timeout,
    },
    Key {
        name: "photo.quality",
        help: "JPEG quality of the web copies of photos, 40 to 95. A change makes the copies again from the originals kept; a photo whose original was removed (photo.keep_originals_days) keeps the copies it has, so for those a change applies to new photos only.",
        default: Some("80"),
        check: check_quality,
    },
    Key {
        name: "station.fullscreen",
        help: "yes: the class station opens full screen without a window frame (a kiosk), and only the teacher's window, behind the PIN, closes it. no: a normal window.",
        default: Some("no"),
        check: check_yes_no,
    },
    // Issue 15: automatic backups and how long photo originals are kept.
    Key {
        name: "backup.dir",
        help: "The folder automatic backups go to (full path), e.g. a USB stick or a school share; one class's only (a share given to every class: a folder of its own for each, e.g. <share>/Room 7). Unset: <data folder>/backups.",
        default: None,
        check: check_dir,
    },
    Key {
        name: "backup.keep_daily",
        help: "How many daily automatic backups (auto-YYYY-MM-DD.goalpost) to keep, 0 to 366. Backups made by hand and before-restore copies are never removed. With backup.keep_weekly also 0, no daily backup is made.",
        default: Some("7"),
        check: check_keep_count,
    },
    Key {
        name: "backup.keep_weekly",
        help: "How many weekly automatic backups (the newest of each week) to keep besides the daily ones, 0 to 366.",
        default: Some("4"),
        check: check_keep_count,
    },
    Key {
        name: "photo.keep_originals_days",
        help: "Remove, at each sync, photo originals older than this many days whose web copies exist; from then on those photos are published and sent from their web copies. 0 or unset: keep every original.",
        default: Some("0"),
        check: check_keep_days,
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

/// The settings, typed and with each key's default from [`KEYS`] applied: read with one
/// query by [`Goalpost::config`], so that an operation reads its settings once and no key
/// or default is spelled outside this module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `smtp.url`, as stored (see `mail::transport` for what it names).
    pub smtp_url: Option<String>,
    /// `smtp.from`.
    pub smtp_from: Option<String>,
    /// `smtp.ca_file`.
    pub smtp_ca_file: Option<PathBuf>,
    /// `smtp.timeout`.
    pub smtp_timeout: Duration,
    /// `blog.dir` (see [`Settings::blog_dir`] for the folder used when it is not set).
    pub blog_dir: Option<PathBuf>,
    /// `blog.site_url`.
    pub blog_site_url: Option<String>,
    /// `blog.publish_command`.
    pub blog_publish_command: Option<String>,
    /// `mail.weekly_day`.
    pub mail_weekly_day: Weekday,
    /// `mail.max_per_week`.
    pub mail_max_per_week: u32,
    /// `photo.quality`.
    pub photo_quality: u8,
    /// `station.fullscreen`.
    pub station_fullscreen: bool,
    /// `backup.dir` (see [`Settings::backup_dir`] for the folder used when it is not set).
    pub backup_dir: Option<PathBuf>,
    /// `backup.keep_daily`.
    pub backup_keep_daily: u32,
    /// `backup.keep_weekly`.
    pub backup_keep_weekly: u32,
    /// `photo.keep_originals_days`; 0 keeps every original.
    pub photo_keep_originals_days: u32,
}

impl Settings {
    /// From the stored `(key, value)` pairs; an unknown stored key is ignored.
    fn from_stored(stored: &[(String, String)]) -> Result<Settings> {
        let value = |name: &str| -> Option<String> {
            stored
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
                .or_else(|| {
                    KEYS.iter()
                        .find(|k| k.name == name)?
                        .default
                        .map(Into::into)
                })
        };
        // A value is checked before it is stored; one that fails now was put into the
        // database by hand. Said as such, with the fix, rather than guessed at.
        fn typed<T: std::str::FromStr>(name: &str, value: Option<String>) -> Result<T> {
            let k = key(name)?;
            let v = value.unwrap_or_default();
            let problem = |e: String| {
                Error::invalid(format!(
                    "the setting {name} is {v:?}, which cannot be used ({e}): run `goalpost config set {name} {}`",
                    k.default.unwrap_or("VALUE")
                ))
            };
            let checked = (k.check)(&v).map_err(|e| problem(e.to_string()))?;
            checked
                .parse()
                .map_err(|_| problem(format!("{checked:?} is not a {name}")))
        }
        Ok(Settings {
            smtp_url: value("smtp.url"),
            smtp_from: value("smtp.from"),
            smtp_ca_file: value("smtp.ca_file").map(PathBuf::from),
            smtp_timeout: Duration::from_secs(typed("smtp.timeout", value("smtp.timeout"))?),
            blog_dir: value("blog.dir").map(PathBuf::from),
            blog_site_url: value("blog.site_url"),
            blog_publish_command: value("blog.publish_command"),
            mail_weekly_day: typed("mail.weekly_day", value("mail.weekly_day"))?,
            mail_max_per_week: typed("mail.max_per_week", value("mail.max_per_week"))?,
            photo_quality: typed("photo.quality", value("photo.quality"))?,
            station_fullscreen: typed::<String>("station.fullscreen", value("station.fullscreen"))?
                == "yes",
            backup_dir: value("backup.dir").map(PathBuf::from),
            backup_keep_daily: typed("backup.keep_daily", value("backup.keep_daily"))?,
            backup_keep_weekly: typed("backup.keep_weekly", value("backup.keep_weekly"))?,
            photo_keep_originals_days: typed(
                "photo.keep_originals_days",
                value("photo.keep_originals_days"),
            )?,
        })
    }

    /// The folder of automatic backups: `backup.dir`, or `backups/` in the data folder.
    pub fn backup_dir(&self, data: DataDir<'_>) -> PathBuf {
        self.backup_dir.clone().unwrap_or_else(|| data.backups())
    }

    /// The blog folder: `blog.dir`, or `blog/` in the data folder.
    pub fn blog_dir(&self, data: DataDir<'_>) -> PathBuf {
        self.blog_dir.clone().unwrap_or_else(|| data.default_blog())
    }

    /// The address messages come from: `smtp.from`, else the teacher's.
    pub fn sender(&self, class: &ClassInfo) -> String {
        self.smtp_from
            .clone()
            .unwrap_or_else(|| class.teacher_email.clone())
    }
}

impl Goalpost {
    /// Every setting, typed (see [`Settings`]).
    pub fn config(&self) -> Result<Settings> {
        Settings::from_stored(&store::settings::all(self.store().conn())?)
    }

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
        Ok(self.config()?.blog_dir(self.folders()))
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

fn check_keep_count(v: &str) -> Result<String> {
    match v.trim().parse::<u32>() {
        Ok(n) if n <= 366 => Ok(n.to_string()),
        _ => Err(Error::invalid(format!(
            "{v:?} is not a number of backups from 0 to 366"
        ))),
    }
}

fn check_keep_days(v: &str) -> Result<String> {
    match v.trim().parse::<u32>() {
        Ok(n) if n <= 36_500 => Ok(n.to_string()),
        _ => Err(Error::invalid(format!(
            "{v:?} is not a number of days from 0 (keep every original) to 36500"
        ))),
    }
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

fn check_max_per_week(v: &str) -> Result<String> {
    match v.trim().parse::<u32>() {
        Ok(n) if (1..=50).contains(&n) => Ok(n.to_string()),
        _ => Err(Error::invalid(format!(
            "{v:?} is not a number of messages from 1 to 50: 3 is a good choice (families \
             heard three a week better than one, and five no better than three)"
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

    /// Issue 14: each key's default is written once, in `KEYS`; the typed settings are
    /// those defaults until a value is set, then that value, and a value put into the
    /// database by hand that fails its check is an error that names the key and the fix.
    #[test]
    fn typed_settings_take_their_defaults_from_the_keys_and_follow_what_is_set() {
        let dir = tempfile::tempdir().unwrap();
        let gp = Goalpost::create(dir.path()).unwrap();
        let s = gp.config().unwrap();
        let default = |name: &str| key(name).unwrap().default.unwrap();
        assert_eq!(
            s.mail_weekly_day.to_string().to_lowercase()[..3],
            default("mail.weekly_day")[..3]
        );
        assert_eq!(
            s.smtp_timeout.as_secs().to_string(),
            default("smtp.timeout")
        );
        assert_eq!(s.photo_quality.to_string(), default("photo.quality"));
        assert_eq!(s.station_fullscreen, default("station.fullscreen") == "yes");
        assert_eq!(
            (&s.smtp_url, &s.smtp_from, &s.smtp_ca_file),
            (&None, &None, &None)
        );
        assert_eq!(
            (&s.blog_dir, &s.blog_site_url, &s.blog_publish_command),
            (&None, &None, &None)
        );
        assert_eq!(s.blog_dir(gp.folders()), dir.path().join("blog"));

        let blog = dir.path().join("elsewhere");
        gp.set_settings(&[
            ("mail.weekly_day", "Tue"),
            ("smtp.timeout", "7"),
            ("photo.quality", "55"),
            ("smtp.from", "room7@school.example"),
            ("blog.dir", blog.to_str().unwrap()),
            ("blog.site_url", "https://school.example/room7"),
            ("blog.publish_command", "true"),
            ("station.fullscreen", "on"),
        ])
        .unwrap();
        let s = gp.config().unwrap();
        assert_eq!(s.mail_weekly_day, Weekday::Tue);
        assert_eq!(s.smtp_timeout, Duration::from_secs(7));
        assert_eq!(s.photo_quality, 55);
        assert_eq!(s.blog_dir(gp.folders()), blog);
        assert_eq!(
            s.blog_site_url.as_deref(),
            Some("https://school.example/room7/")
        );
        assert_eq!(s.blog_publish_command.as_deref(), Some("true"));
        assert!(s.station_fullscreen);
        let class = ClassInfo {
            school: "S".into(),
            class_name: "C".into(),
            teacher: "T".into(),
            teacher_email: "t@school.example".into(),
            language: "en".into(),
            timezone: "UTC".into(),
        };
        assert_eq!(s.sender(&class), "room7@school.example");
        gp.set_setting("smtp.from", "").unwrap();
        assert_eq!(gp.config().unwrap().sender(&class), "t@school.example");

        store::settings::set(gp.store().conn(), "photo.quality", "120").unwrap();
        let e = gp.config().unwrap_err().to_string();
        assert!(
            e.contains("photo.quality") && e.contains("goalpost config set photo.quality 80"),
            "{e}"
        );
    }

    #[test]
    fn weekdays_and_quality() {
        assert_eq!(check_weekday("Fri").unwrap(), "friday");
        assert!(check_weekday("someday").is_err());
        assert!(check_quality("80").is_ok());
        assert!(check_quality("100").is_err());
    }
}
