//! Checks on what people type, applied before anything is stored.
//!
//! Every entry point (CLI, roster import, desktop window) goes through these, so a name
//! with a line break can never reach a mail header and a wrong tag never reaches a catalog.

use std::str::FromStr;

use crate::error::{Error, Result};

pub const MAX_NAME_CHARS: usize = 100;

/// A person's or a class's name: trimmed, 1 to 100 characters, no control characters.
pub fn name(field: &str, value: &str) -> Result<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(Error::invalid(format!("{field} is empty: give a name")));
    }
    if let Some(c) = v.chars().find(|c| c.is_control()) {
        return Err(Error::invalid(format!(
            "{field} {:?} contains a control character ({}): remove line breaks, tabs and NUL characters",
            printable(v),
            describe_control(c)
        )));
    }
    let n = v.chars().count();
    if n > MAX_NAME_CHARS {
        return Err(Error::invalid(format!(
            "{field} is {n} characters long: the most is {MAX_NAME_CHARS}"
        )));
    }
    Ok(v.to_string())
}

/// Like [`name`] but an empty value is allowed (a student with no last name on record).
pub fn optional_name(field: &str, value: &str) -> Result<String> {
    if value.trim().is_empty() {
        Ok(String::new())
    } else {
        name(field, value)
    }
}

/// Free text such as a goal title or a student's words: no NUL and no control characters
/// other than line breaks and tabs, and at most `max` characters.
pub fn text(field: &str, value: &str, max: usize) -> Result<String> {
    if let Some(c) = value
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(Error::invalid(format!(
            "{field} contains a control character ({}): remove it",
            describe_control(c)
        )));
    }
    let n = value.chars().count();
    if n > max {
        return Err(Error::invalid(format!(
            "{field} is {n} characters long: the most is {max}"
        )));
    }
    Ok(value.trim().replace("\r\n", "\n"))
}

/// A one-line text (title, subject): like [`text`] but without line breaks.
pub fn line(field: &str, value: &str, max: usize) -> Result<String> {
    if value.trim().contains(['\n', '\r']) {
        return Err(Error::invalid(format!(
            "{field} contains a line break: keep it on one line"
        )));
    }
    text(field, value, max)
}

/// An email address that the mail library will accept as a single recipient.
pub fn email(value: &str) -> Result<String> {
    let v = value.trim();
    if v.chars().any(|c| c.is_control()) {
        return Err(Error::invalid(format!(
            "email address {:?} contains a control character: remove it",
            printable(v)
        )));
    }
    match lettre::Address::from_str(v) {
        Ok(a) => Ok(a.to_string()),
        Err(_) => Err(Error::invalid(format!(
            "{v:?} is not a valid email address: write it as name@example.org"
        ))),
    }
}

/// A BCP 47 language tag (`en`, `mi`, `zh-Hant`, `es-419`), returned in its canonical case.
pub fn language(value: &str) -> Result<String> {
    let v = value.trim();
    let tag = language_tags::LanguageTag::parse(v).map_err(|e| {
        Error::invalid(format!(
            "{v:?} is not a valid BCP 47 language tag ({e}): use a tag such as en, es, mi, sm, vi or zh-Hant"
        ))
    })?;
    tag.validate().map_err(|e| {
        Error::invalid(format!(
            "{v:?} is not a valid BCP 47 language tag ({e}): use a tag such as en, es, mi, sm, vi or zh-Hant"
        ))
    })?;
    Ok(canonical_case(tag.as_str()))
}

/// BCP 47 case conventions: language lower, script title, region upper.
fn canonical_case(tag: &str) -> String {
    tag.split('-')
        .enumerate()
        .map(|(i, part)| {
            if i == 0 {
                part.to_ascii_lowercase()
            } else if part.len() == 4 && part.chars().all(|c| c.is_ascii_alphabetic()) {
                let mut s = part[..1].to_ascii_uppercase();
                s.push_str(&part[1..].to_ascii_lowercase());
                s
            } else if part.len() == 2 && part.chars().all(|c| c.is_ascii_alphabetic()) {
                part.to_ascii_uppercase()
            } else {
                part.to_ascii_lowercase()
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// An IANA time zone name.
pub fn timezone(value: &str) -> Result<String> {
    let v = value.trim();
    chrono_tz::Tz::from_str(v).map_err(|_| {
        Error::invalid(format!(
            "{v:?} is not a known time zone: use an IANA name such as Pacific/Auckland, Europe/London or America/New_York"
        ))
    })?;
    Ok(v.to_string())
}

/// A path a setting names (a folder, a file): refused if any of its names is one Windows
/// keeps for a device (`CON`, `PRN`, `AUX`, `NUL`, `COM1`-`COM9`, `LPT1`-`LPT9`, also
/// with an extension such as `nul.txt`, in any case): Windows would open the device instead,
/// or refuse. Refused on every system, so that a data folder can move to a Windows PC.
pub fn path_names(value: &str) -> Result<()> {
    let reserved = value.split(['/', '\\']).find(|c| is_reserved_name(c));
    match reserved {
        None => Ok(()),
        Some(c) => Err(Error::invalid(format!(
            "{:?} contains the name {:?}, which Windows keeps for a device (CON, PRN, AUX, NUL, COM1 to COM9 and LPT1 to LPT9, with or without an extension): choose another name",
            printable(value),
            printable(c)
        ))),
    }
}

/// Whether Windows takes the file name `name` for a device: what comes before its first dot,
/// without trailing spaces, is a device name.
pub fn is_reserved_name(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or("").trim_end_matches(' ');
    let upper = stem.to_uppercase();
    match upper.as_str() {
        "CON" | "PRN" | "AUX" | "NUL" | "CONIN$" | "CONOUT$" => true,
        _ => ["COM", "LPT"].iter().any(|dev| {
            upper.strip_prefix(dev).is_some_and(|n| {
                let mut c = n.chars();
                matches!(
                    (c.next(), c.next()),
                    (Some('0'..='9' | '¹' | '²' | '³'), None)
                )
            })
        }),
    }
}

fn describe_control(c: char) -> &'static str {
    match c {
        '\n' => "a line feed",
        '\r' => "a carriage return",
        '\0' => "NUL",
        '\t' => "a tab",
        _ => "an invisible control character",
    }
}

/// A value made safe to quote in an error message.
fn printable(v: &str) -> String {
    v.chars()
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .take(60)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_reject_control_characters_and_length() {
        assert_eq!(name("first name", "  Ana ").unwrap(), "Ana");
        assert!(name("first name", "A\nna").is_err());
        assert!(name("first name", "A\rna").is_err());
        assert!(name("first name", "A\0na").is_err());
        assert!(name("first name", "").is_err());
        assert!(name("first name", &"x".repeat(101)).is_err());
        assert!(name("first name", &"é".repeat(100)).is_ok());
    }

    #[test]
    fn every_valid_language_tag_is_accepted() {
        for (input, want) in [
            ("mi", "mi"),
            ("sm", "sm"),
            ("vi", "vi"),
            ("zh-hant", "zh-Hant"),
            ("es-419", "es-419"),
            ("EN-nz", "en-NZ"),
            ("ar", "ar"),
        ] {
            assert_eq!(language(input).unwrap(), want, "{input}");
        }
        for bad in ["", "english", "e", "en_NZ", "en--nz", "12"] {
            assert!(language(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn emails() {
        assert_eq!(email(" a@b.org ").unwrap(), "a@b.org");
        assert!(email("not-an-address").is_err());
        assert!(email("a@b.org\r\nBcc: x@y.z").is_err());
    }

    #[test]
    fn timezones() {
        assert!(timezone("Pacific/Auckland").is_ok());
        assert!(timezone("Mars/Olympus").is_err());
    }

    #[test]
    fn names_windows_keeps_for_devices_are_refused_in_paths() {
        for bad in [
            "C:\\Users\\teacher\\CON\\blog",
            "C:\\Users\\teacher\\blog\\nul",
            "/home/teacher/aux.txt/blog",
            "D:\\Com1\\blog",
            "D:\\LPT9.html",
            "D:\\lpt¹\\blog",
            "C:\\prn \\x",
            "C:\\conout$",
        ] {
            let e = path_names(bad).unwrap_err();
            assert!(
                e.to_string().contains("Windows keeps for a device"),
                "{bad}: {e}"
            );
        }
        for good in [
            "C:\\Users\\teacher\\Conrad\\blog",
            "C:\\Users\\teacher\\console\\nullable",
            "/home/teacher/com10/lpt/blog",
            "D:\\COM\\x",
            "E:\\Classe de l'année – 3ᵉ\\blog",
            "C:\\",
        ] {
            assert!(path_names(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn settings_that_name_files_refuse_device_names() {
        let tmp = tempfile::tempdir().unwrap();
        let gp = crate::Goalpost::create(tmp.path().join("class")).unwrap();
        let base = tmp.path().to_string_lossy().into_owned();
        let sep = std::path::MAIN_SEPARATOR;
        for (key, value) in [
            ("blog.dir", format!("{base}{sep}CON{sep}blog")),
            ("blog.dir", format!("{base}{sep}blog{sep}Nul")),
            ("smtp.ca_file", format!("{base}{sep}com1.pem")),
        ] {
            let e = gp.set_setting(key, &value).unwrap_err();
            assert_eq!(e.kind(), crate::error::ErrorKind::Invalid);
            assert!(
                e.to_string().contains("Windows keeps for a device"),
                "{key}: {e}"
            );
            assert_eq!(gp.setting(key).unwrap(), None, "{key} is left unset");
        }
        let fine = format!("{base}{sep}Année 3ᵉ – blog");
        gp.set_setting("blog.dir", &fine).unwrap();
        assert_eq!(gp.setting("blog.dir").unwrap(), Some(fine));
    }
}
