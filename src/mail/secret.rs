//! The SMTP password: from `GOALPOST_SMTP_PASSWORD` or the OS keyring, never from the
//! database, a file or a log.
//!
//! The environment variable wins when it is set (scheduled tasks, CI, a school's deployment
//! script); otherwise the OS keyring (Secret Service on Linux, Keychain on macOS, Credential
//! Manager on Windows) holds it under the service `org.goalpost.app` and the account
//! `smtp:USER@HOST`. If neither has it, or the keyring cannot be reached, the error says so
//! and names both ways to fix it: a password is never silently missing.

use crate::error::{Error, Result};

pub const PASSWORD_ENV: &str = "GOALPOST_SMTP_PASSWORD";
const SERVICE: &str = crate::APP_IDENTIFIER;

fn account(user: &str, host: &str) -> String {
    format!("smtp:{user}@{host}")
}

/// Where a password came from (for `mail test` to tell the teacher).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Environment,
    Keyring,
}

/// The password for `user` at `host`, from the environment or the keyring.
pub fn password(user: &str, host: &str) -> Result<(String, Source)> {
    password_with(std::env::var(PASSWORD_ENV).ok(), user, host)
}

fn password_with(env: Option<String>, user: &str, host: &str) -> Result<(String, Source)> {
    if let Some(p) = env.filter(|p| !p.is_empty()) {
        return Ok((p, Source::Environment));
    }
    let entry =
        keyring::Entry::new(SERVICE, &account(user, host)).map_err(|e| keyring_error(&e))?;
    match entry.get_password() {
        Ok(p) => Ok((p, Source::Keyring)),
        Err(keyring::Error::NoEntry) => Err(Error::Mail(format!(
            "no password is stored for {user} at {host}: run `goalpost mail password` and type it, or set {PASSWORD_ENV}"
        ))),
        Err(e) => Err(keyring_error(&e)),
    }
}

fn keyring_error(e: &keyring::Error) -> Error {
    Error::Mail(format!(
        "the OS keyring could not be used ({e}): set {PASSWORD_ENV} for this program instead, or start the desktop session's keyring (GNOME Keyring or KWallet) and run `goalpost mail password` again"
    ))
}

/// Stores the password in the OS keyring and reads it back, so a keyring that only pretends
/// to keep secrets is caught now rather than at the next send.
pub fn store_password(user: &str, host: &str, password: &str) -> Result<()> {
    if password.is_empty() {
        return Err(Error::invalid(
            "the password is empty: type it on standard input",
        ));
    }
    let entry =
        keyring::Entry::new(SERVICE, &account(user, host)).map_err(|e| keyring_error(&e))?;
    entry
        .set_password(password)
        .map_err(|e| keyring_error(&e))?;
    match entry.get_password() {
        Ok(p) if p == password => Ok(()),
        Ok(_) => Err(Error::Mail(
            "the OS keyring gave back a different password than was stored: set GOALPOST_SMTP_PASSWORD instead".into(),
        )),
        Err(e) => Err(keyring_error(&e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_wins() {
        let (p, s) = password_with(Some("s3cret".into()), "teacher", "mail.example").unwrap();
        assert_eq!((p.as_str(), s), ("s3cret", Source::Environment));
    }

    #[test]
    fn no_password_anywhere_says_how_to_fix_it() {
        // In a test environment there is either no keyring service or no entry for this
        // made-up account; both must end in an error naming the two fixes.
        match password_with(None, "nobody-goalpost-test", "mail.invalid") {
            Ok(_) => panic!("a password was found for a made-up account"),
            Err(e) => {
                let m = e.to_string();
                assert!(m.contains(PASSWORD_ENV), "{m}");
            }
        }
    }
}
