//! The teacher's PIN and the teacher session of the desktop app.
//!
//! The station is a shared screen that children use, so the teacher screens sit behind a
//! PIN (or a longer password) once one is set. Only an argon2id hash is kept, in the
//! `settings` table under a key that `goalpost config` neither lists nor sets. The session
//! decides who may call teacher operations: the station never, the teacher only while
//! unlocked. The desktop shell maps each window to a [`Role`]; this module does not know
//! about windows.
//!
//! Repeated wrong PINs make the next try wait longer (from 30 s up to 5 min), so a child
//! cannot guess a four-digit PIN by trying.

use std::time::{Duration, Instant};

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, SaltString};
use argon2::{Argon2, PasswordVerifier};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::{store, Goalpost};

/// Where the PIN hash is kept (not a `config` key, so it never shows in `config list`).
const PIN_KEY: &str = "auth.teacher_pin_hash";

pub const MIN_PIN_CHARS: usize = 4;
pub const MAX_PIN_CHARS: usize = 128;

/// Wrong PINs allowed before the first wait.
pub const FREE_ATTEMPTS: u32 = 5;
/// The first wait; each further wrong PIN doubles it, up to [`MAX_WAIT`].
pub const FIRST_WAIT: Duration = Duration::from_secs(30);
pub const MAX_WAIT: Duration = Duration::from_secs(300);
/// An unlocked session locks itself after this long without a teacher operation.
pub const IDLE_LOCK: Duration = Duration::from_secs(15 * 60);

/// Who is asking: the shared station (children) or the teacher's window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Station,
    Teacher,
}

fn check_pin_shape(pin: &str) -> Result<()> {
    let n = pin.chars().count();
    if n < MIN_PIN_CHARS {
        return Err(Error::invalid(format!(
            "the PIN is too short: use at least {MIN_PIN_CHARS} characters"
        )));
    }
    if n > MAX_PIN_CHARS {
        return Err(Error::invalid(format!(
            "the PIN is too long: use at most {MAX_PIN_CHARS} characters"
        )));
    }
    if pin.chars().any(char::is_control) {
        return Err(Error::invalid(
            "the PIN contains a control character: use digits, letters or punctuation",
        ));
    }
    Ok(())
}

fn hash_pin(pin: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::invalid(format!("could not protect the PIN ({e}): try again")))
}

impl Goalpost {
    /// Whether a teacher PIN has been chosen.
    pub fn teacher_pin_set(&self) -> Result<bool> {
        Ok(store::settings::get(self.store().conn(), PIN_KEY)?.is_some())
    }

    /// Chooses (or replaces) the teacher PIN. Who may do this is the caller's decision
    /// (the session in the app; anyone with a shell on the PC through the CLI).
    pub fn set_teacher_pin(&self, pin: &str) -> Result<()> {
        check_pin_shape(pin)?;
        let hash = hash_pin(pin)?;
        self.store()
            .in_tx(|tx| store::settings::set(tx, PIN_KEY, &hash))
    }

    /// Whether `pin` is the teacher PIN. No PIN set means no PIN matches. Slow on purpose
    /// (argon2): call it off the UI thread.
    pub fn verify_teacher_pin(&self, pin: &str) -> Result<bool> {
        let Some(stored) = store::settings::get(self.store().conn(), PIN_KEY)? else {
            return Ok(false);
        };
        let parsed = PasswordHash::new(&stored).map_err(|e| {
            Error::DataFolder(format!(
                "the stored teacher PIN is damaged ({e}): set a new one with `goalpost-desktop teacher-pin`"
            ))
        })?;
        Ok(Argon2::default()
            .verify_password(pin.as_bytes(), &parsed)
            .is_ok())
    }
}

/// What the teacher window needs to know about the session.
#[derive(Debug, Clone, Serialize)]
pub struct SessionStatus {
    pub pin_set: bool,
    pub unlocked: bool,
    pub station_open: bool,
    /// Seconds to wait before the next PIN try is accepted (0: try now).
    pub retry_after_secs: u64,
}

/// The teacher session of one running app. Times are passed in, so that tests need no clock.
#[derive(Debug)]
pub struct Session {
    pin_set: bool,
    unlocked: bool,
    station_open: bool,
    failures: u32,
    wait_until: Option<Instant>,
    last_activity: Instant,
}

impl Session {
    /// A new session: open when no PIN has been chosen yet (first run: nothing to protect
    /// from until the station is opened, which needs a PIN), locked otherwise.
    pub fn new(pin_set: bool, now: Instant) -> Session {
        Session {
            pin_set,
            unlocked: !pin_set,
            station_open: false,
            failures: 0,
            wait_until: None,
            last_activity: now,
        }
    }

    pub fn status(&self, now: Instant) -> SessionStatus {
        SessionStatus {
            pin_set: self.pin_set,
            unlocked: self.is_unlocked(now),
            station_open: self.station_open,
            retry_after_secs: self.retry_after(now).as_secs(),
        }
    }

    /// Without a PIN there is nothing to lock with: locking then would shut the teacher
    /// out with no way back in.
    fn is_unlocked(&self, now: Instant) -> bool {
        !self.pin_set
            || (self.unlocked && now.saturating_duration_since(self.last_activity) < IDLE_LOCK)
    }

    fn retry_after(&self, now: Instant) -> Duration {
        self.wait_until
            .map(|t| t.saturating_duration_since(now))
            .unwrap_or_default()
    }

    /// Allows a teacher operation, or says why not. Each allowed operation keeps the
    /// session awake.
    pub fn require_teacher(&mut self, role: Role, now: Instant) -> Result<()> {
        if role != Role::Teacher {
            return Err(Error::Forbidden(
                "the station cannot do this: ask your teacher".into(),
            ));
        }
        if !self.is_unlocked(now) {
            self.unlocked = false;
            return Err(Error::Forbidden(
                "the teacher screens are locked: enter the teacher PIN".into(),
            ));
        }
        self.last_activity = now;
        Ok(())
    }

    /// Refuses a PIN try while a wait after wrong PINs is running.
    pub fn check_may_try(&self, now: Instant) -> Result<()> {
        let wait = self.retry_after(now);
        if wait > Duration::ZERO {
            return Err(Error::Busy(format!(
                "too many wrong PINs: wait {} seconds and try again",
                wait.as_secs().max(1)
            )));
        }
        Ok(())
    }

    /// Records the outcome of a PIN try (checked with [`Goalpost::verify_teacher_pin`]).
    pub fn record_try(&mut self, correct: bool, now: Instant) -> Result<()> {
        self.check_may_try(now)?;
        if correct {
            self.unlocked = true;
            self.failures = 0;
            self.wait_until = None;
            self.last_activity = now;
            return Ok(());
        }
        self.failures += 1;
        if self.failures >= FREE_ATTEMPTS {
            let doublings = (self.failures - FREE_ATTEMPTS).min(8);
            let wait = (FIRST_WAIT * 2u32.pow(doublings)).min(MAX_WAIT);
            self.wait_until = Some(now + wait);
        }
        Err(Error::Forbidden("that PIN is not right: try again".into()))
    }

    pub fn lock(&mut self) {
        self.unlocked = false;
    }

    /// Records that a PIN now exists (after the teacher chose one).
    pub fn pin_was_set(&mut self) {
        self.pin_set = true;
    }

    /// The station is about to open: it needs a PIN, and the teacher screens lock.
    pub fn open_station(&mut self) -> Result<()> {
        if !self.pin_set {
            return Err(Error::invalid(
                "choose a teacher PIN first (Settings), so that children at the station cannot open the teacher screens",
            ));
        }
        self.station_open = true;
        self.unlocked = false;
        Ok(())
    }

    pub fn station_closed(&mut self) {
        self.station_open = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class() -> (tempfile::TempDir, Goalpost) {
        let dir = tempfile::tempdir().unwrap();
        let gp = Goalpost::create(dir.path()).unwrap();
        (dir, gp)
    }

    #[test]
    fn only_a_hash_of_the_pin_is_stored_and_it_verifies() {
        let (_d, gp) = class();
        assert!(!gp.teacher_pin_set().unwrap());
        assert!(
            !gp.verify_teacher_pin("2468").unwrap(),
            "no PIN: nothing matches"
        );
        gp.set_teacher_pin("2468").unwrap();
        assert!(gp.teacher_pin_set().unwrap());
        let stored = store::settings::get(gp.store().conn(), PIN_KEY)
            .unwrap()
            .unwrap();
        assert!(stored.starts_with("$argon2id$"), "{stored}");
        assert!(!stored.contains("2468"));
        assert!(gp.verify_teacher_pin("2468").unwrap());
        assert!(!gp.verify_teacher_pin("2469").unwrap());
    }

    #[test]
    fn the_pin_hash_is_not_a_config_setting() {
        let (_d, gp) = class();
        gp.set_teacher_pin("2468").unwrap();
        assert!(gp.settings().unwrap().iter().all(|s| s.key != PIN_KEY));
        assert!(gp.setting(PIN_KEY).is_err());
    }

    #[test]
    fn short_or_odd_pins_are_refused() {
        let (_d, gp) = class();
        assert_eq!(
            gp.set_teacher_pin("123").unwrap_err().kind(),
            crate::ErrorKind::Invalid
        );
        assert!(gp.set_teacher_pin("12\n34").is_err());
        assert!(!gp.teacher_pin_set().unwrap());
    }

    #[test]
    fn the_station_is_never_a_teacher() {
        let t = Instant::now();
        let mut s = Session::new(false, t);
        assert!(
            s.require_teacher(Role::Teacher, t).is_ok(),
            "first run is open"
        );
        let e = s.require_teacher(Role::Station, t).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Forbidden);
    }

    #[test]
    fn with_a_pin_the_session_starts_locked_and_unlocks_with_the_right_pin() {
        let t = Instant::now();
        let mut s = Session::new(true, t);
        assert!(!s.status(t).unlocked);
        assert!(s.require_teacher(Role::Teacher, t).is_err());
        assert!(s.record_try(false, t).is_err());
        assert!(s.record_try(true, t).is_ok());
        assert!(s.require_teacher(Role::Teacher, t).is_ok());
    }

    #[test]
    fn opening_the_station_needs_a_pin_and_locks_the_teacher_screens() {
        let t = Instant::now();
        let mut s = Session::new(false, t);
        assert!(s.open_station().is_err());
        s.pin_was_set();
        s.open_station().unwrap();
        assert!(s.status(t).station_open);
        assert!(s.require_teacher(Role::Teacher, t).is_err());
    }

    #[test]
    fn an_idle_session_locks_itself() {
        let t = Instant::now();
        let mut s = Session::new(true, t);
        s.record_try(true, t).unwrap();
        let later = t + IDLE_LOCK + Duration::from_secs(1);
        assert!(s.require_teacher(Role::Teacher, later).is_err());
        assert!(!s.status(later).unlocked);
    }

    /// First run, before a PIN is chosen: an idle or "locked" session must not shut the
    /// teacher out, since there is no PIN to come back in with.
    #[test]
    fn without_a_pin_the_teacher_is_never_locked_out() {
        let t = Instant::now();
        let mut s = Session::new(false, t);
        let later = t + IDLE_LOCK + Duration::from_secs(60);
        assert!(s.require_teacher(Role::Teacher, later).is_ok());
        s.lock();
        assert!(s.require_teacher(Role::Teacher, later).is_ok());
        assert!(s.status(later).unlocked);
        assert!(s.require_teacher(Role::Station, later).is_err());
    }

    #[test]
    fn wrong_pins_make_the_next_try_wait_longer() {
        let t = Instant::now();
        let mut s = Session::new(true, t);
        for _ in 0..FREE_ATTEMPTS {
            assert_eq!(
                s.record_try(false, t).unwrap_err().kind(),
                crate::ErrorKind::Forbidden
            );
        }
        // Even the right PIN is refused during the wait.
        assert_eq!(
            s.record_try(true, t).unwrap_err().kind(),
            crate::ErrorKind::Busy
        );
        assert_eq!(s.status(t).retry_after_secs, FIRST_WAIT.as_secs());
        let t2 = t + FIRST_WAIT;
        assert!(s.record_try(false, t2).is_err());
        assert_eq!(s.status(t2).retry_after_secs, 2 * FIRST_WAIT.as_secs());
        let t3 = t2 + 2 * FIRST_WAIT;
        s.record_try(true, t3).unwrap();
        assert!(s.status(t3).unlocked);
        assert_eq!(s.status(t3).retry_after_secs, 0);
    }
}
