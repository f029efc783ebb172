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
//! cannot guess a four-digit PIN by trying. The wrong tries are kept with the class (the
//! `pin_tries` table), so restarting the app or the station gives no fresh tries.
//!
//! When the app starts, [`pin_state`] tells a folder without a class (nothing to protect:
//! the app opens as on a first run) from a database that exists but cannot be read, which
//! keeps the teacher screens locked and says why: it never reads as "no PIN".

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, SaltString};
use argon2::{Argon2, PasswordVerifier};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::{store, Goalpost};
use rusqlite::Connection;

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

/// Whether `key` is where the class keeps its PIN hash (kept apart from the settings).
pub(crate) fn is_pin_key(key: &str) -> bool {
    key == PIN_KEY
}

/// A PIN hash as a backup carries it: an argon2 hash this program can verify, or what to
/// do instead (a hash that is not one would lock the teacher out, or open the screens).
pub(crate) fn check_pin_hash(value: &str) -> Result<()> {
    let parsed = PasswordHash::new(value).map_err(|e| {
        Error::invalid(format!(
            "not a PIN hash ({e}): choose a new PIN in Settings"
        ))
    })?;
    if !parsed.algorithm.as_str().starts_with("argon2") {
        return Err(Error::invalid(format!(
            "a PIN hash of {} is not one Goalpost makes: choose a new PIN in Settings",
            parsed.algorithm
        )));
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

    /// Chooses (or replaces) the teacher PIN, forgetting earlier wrong tries. Who may do
    /// this is the caller's decision (the session in the app; anyone with a shell on the PC
    /// through the CLI).
    pub fn set_teacher_pin(&self, pin: &str) -> Result<()> {
        check_pin_shape(pin)?;
        let hash = hash_pin(pin)?;
        self.store().in_tx(|tx| {
            store::settings::set(tx, PIN_KEY, &hash)?;
            store::pin_tries::clear(tx)
        })
    }

    /// Whether `pin` is the teacher PIN. No PIN set means no PIN matches. Slow on purpose
    /// (argon2): call it off the UI thread. Counts nothing: a PIN typed at the lock screen
    /// goes through [`Goalpost::try_teacher_pin`].
    pub fn verify_teacher_pin(&self, pin: &str) -> Result<bool> {
        verify(self.store().conn(), pin)
    }

    /// The wrong tries kept with the class.
    pub fn pin_tries(&self) -> Result<PinTries> {
        let (failures, wait_until) = store::pin_tries::get(self.store().conn())?;
        Ok(PinTries {
            failures,
            wait_until,
        })
    }

    /// A PIN typed at the lock screen at `now` (the wall clock: a wait must pass in real
    /// time): refused unchecked while a wait runs, else checked, and a wrong one counted
    /// with the class. Read, check and count are one transaction, so two tries at once
    /// both count. Slow on purpose (argon2): call it off the UI thread.
    pub fn try_teacher_pin(&self, pin: &str, now: DateTime<Utc>) -> Result<PinTry> {
        self.store().in_tx(|tx| {
            let (failures, wait_until) = store::pin_tries::get(tx)?;
            let tries = PinTries {
                failures,
                wait_until,
            };
            let wait = tries.wait_at(now);
            if wait > Duration::ZERO {
                return Ok(PinTry::Waiting(wait));
            }
            if verify(tx, pin)? {
                store::pin_tries::clear(tx)?;
                return Ok(PinTry::Right);
            }
            let next = tries.after_wrong(now);
            store::pin_tries::set(tx, next.failures, next.wait_until)?;
            Ok(PinTry::Wrong {
                wait: next.wait_at(now),
            })
        })
    }
}

fn verify(conn: &Connection, pin: &str) -> Result<bool> {
    let Some(stored) = store::settings::get(conn, PIN_KEY)? else {
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

/// The teacher PIN's wrong tries, as kept with the class.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PinTries {
    /// Wrong PINs since the last right one.
    pub failures: u32,
    /// No try is accepted before this time.
    pub wait_until: Option<DateTime<Utc>>,
}

impl PinTries {
    /// How long a try at `now` must still wait. A wait that ends further off than
    /// [`MAX_WAIT`] (the clock was set back) counts as [`MAX_WAIT`].
    pub fn wait_at(&self, now: DateTime<Utc>) -> Duration {
        self.wait_until
            .and_then(|t| (t - now).to_std().ok())
            .unwrap_or_default()
            .min(MAX_WAIT)
    }

    /// The tries after one more wrong PIN at `now`: after [`FREE_ATTEMPTS`] each one waits,
    /// from [`FIRST_WAIT`] doubling up to [`MAX_WAIT`].
    fn after_wrong(self, now: DateTime<Utc>) -> PinTries {
        let failures = self.failures.saturating_add(1);
        let wait_until = (failures >= FREE_ATTEMPTS).then(|| {
            let doublings = (failures - FREE_ATTEMPTS).min(8);
            let wait = (FIRST_WAIT * 2u32.pow(doublings)).min(MAX_WAIT);
            now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX)
        });
        PinTries {
            failures,
            wait_until,
        }
    }
}

/// What became of a PIN typed at the lock screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinTry {
    Right,
    /// Wrong; the next try waits this long (zero: try again now).
    Wrong {
        wait: Duration,
    },
    /// Not checked: a wait after wrong PINs still runs for this long.
    Waiting(Duration),
}

impl PinTry {
    /// `Ok` for the right PIN; the refusal in words otherwise.
    pub fn into_result(self) -> Result<()> {
        match self {
            PinTry::Right => Ok(()),
            PinTry::Wrong { wait } if wait > Duration::ZERO => Err(Error::Forbidden(format!(
                "that PIN is not right: after so many wrong PINs, wait {} seconds before the next try",
                wait.as_secs().max(1)
            ))),
            PinTry::Wrong { .. } => Err(Error::Forbidden("that PIN is not right: try again".into())),
            PinTry::Waiting(wait) => Err(Error::Busy(format!(
                "too many wrong PINs: wait {} seconds and try again",
                wait.as_secs().max(1)
            ))),
        }
    }
}

/// The teacher PIN of a data folder as the app finds it when it starts (or looks again).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinState {
    /// No PIN chosen, or no class in the folder yet: nothing to lock with.
    NotSet,
    /// A PIN, and its wrong tries so far.
    Set(PinTries),
    /// The class's database exists but could not be read: why, in words.
    Unreadable(String),
}

/// Reads the teacher PIN of the class in `dir`. A folder without a database is a folder
/// without a class ([`PinState::NotSet`]); a database that is there but cannot be opened
/// or read (busy, damaged, not permitted, from a newer Goalpost) is
/// [`PinState::Unreadable`], never "no PIN".
pub fn pin_state(dir: &Path) -> PinState {
    let db = dir.join(store::DB_FILE);
    match std::fs::symlink_metadata(&db) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return PinState::NotSet,
        Err(e) => return PinState::Unreadable(Error::io("look at", &db, e).to_string()),
        Ok(_) => {}
    }
    let read = Goalpost::open(dir).and_then(|gp| Ok((gp.teacher_pin_set()?, gp.pin_tries()?)));
    match read {
        Ok((true, tries)) => PinState::Set(tries),
        Ok((false, _)) => PinState::NotSet,
        Err(e) => PinState::Unreadable(e.to_string()),
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
    /// Why the teacher screens stay locked whatever the PIN: the class's database could
    /// not be read (None: it could).
    pub problem: Option<String>,
}

/// The teacher session of one running app. Times are passed in, so that tests need no
/// clock. The wrong tries live with the class ([`Goalpost::try_teacher_pin`]); the
/// session keeps a copy of the current wait only to show it.
#[derive(Debug)]
pub struct Session {
    pin_set: bool,
    problem: Option<String>,
    unlocked: bool,
    station_open: bool,
    wait_until: Option<Instant>,
    last_activity: Instant,
    idle_lock: Duration,
}

impl Session {
    /// A new session: open when no PIN has been chosen yet (first run: nothing to protect
    /// from until the station is opened, which needs a PIN), locked otherwise, and locked
    /// with the reason when the class could not be read.
    pub fn new(start: &PinState, now: Instant, wall: DateTime<Utc>) -> Session {
        let mut s = Session {
            pin_set: true,
            problem: None,
            unlocked: false,
            station_open: false,
            wait_until: None,
            last_activity: now,
            idle_lock: IDLE_LOCK,
        };
        s.reread(start, now, wall);
        s
    }

    /// The same session locking itself after `idle` without a teacher operation instead of
    /// [`IDLE_LOCK`] (for tests that cannot wait a quarter of an hour).
    pub fn with_idle_lock(mut self, idle: Duration) -> Session {
        self.idle_lock = idle;
        self
    }

    /// Takes in the class as read again (at start, or after it could not be read). While
    /// it cannot be read, the teacher screens stay locked; once it can, a class with a PIN
    /// asks for it and one without opens.
    pub fn reread(&mut self, state: &PinState, now: Instant, wall: DateTime<Utc>) {
        let was_problem = self.problem.is_some();
        match state {
            PinState::Unreadable(why) => {
                self.problem = Some(format!(
                    "the class's database could not be read, so the teacher screens stay locked: {why}"
                ));
                self.unlocked = false;
            }
            PinState::NotSet => {
                self.problem = None;
                self.pin_set = false;
                self.unlocked = true;
                self.wait_until = None;
            }
            PinState::Set(tries) => {
                self.problem = None;
                if !self.pin_set || was_problem {
                    self.unlocked = false;
                }
                self.pin_set = true;
                self.set_wait(tries.wait_at(wall), now);
            }
        }
    }

    /// Why the teacher screens stay locked whatever the PIN, if the class could not be read.
    pub fn problem(&self) -> Option<&str> {
        self.problem.as_deref()
    }

    pub fn status(&self, now: Instant) -> SessionStatus {
        SessionStatus {
            pin_set: self.pin_set,
            unlocked: self.is_unlocked(now),
            station_open: self.station_open,
            retry_after_secs: self.retry_after(now).as_secs(),
            problem: self.problem.clone(),
        }
    }

    /// Without a PIN there is nothing to lock with: locking then would shut the teacher
    /// out with no way back in.
    fn is_unlocked(&self, now: Instant) -> bool {
        self.problem.is_none()
            && (!self.pin_set
                || (self.unlocked
                    && now.saturating_duration_since(self.last_activity) < self.idle_lock))
    }

    /// When an unlocked session will lock itself for want of use (None: it will not, as it
    /// is locked already or has no PIN).
    pub fn idle_deadline(&self, now: Instant) -> Option<Instant> {
        (self.pin_set && self.is_unlocked(now)).then(|| self.last_activity + self.idle_lock)
    }

    /// When to look again for an idle lock: at the deadline of an unlocked session, else
    /// one idle period from now (no session can lock itself for want of use sooner).
    pub fn next_idle_check(&self, now: Instant) -> Instant {
        self.idle_deadline(now).unwrap_or(now + self.idle_lock)
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
        if let Some(problem) = &self.problem {
            return Err(Error::Forbidden(problem.clone()));
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

    /// Takes in the outcome of a PIN try ([`Goalpost::try_teacher_pin`]): the right PIN
    /// unlocks; a wrong one shows its wait. Returns the refusal for a wrong PIN.
    pub fn record_try(&mut self, outcome: PinTry, now: Instant) -> Result<()> {
        match outcome {
            PinTry::Right => {
                self.unlocked = true;
                self.wait_until = None;
                self.last_activity = now;
            }
            PinTry::Wrong { wait } | PinTry::Waiting(wait) => self.set_wait(wait, now),
        }
        outcome.into_result()
    }

    /// Shows the wait of the tries as read from the class just now.
    pub fn show_tries(&mut self, tries: &PinTries, now: Instant, wall: DateTime<Utc>) {
        self.set_wait(tries.wait_at(wall), now);
    }

    fn set_wait(&mut self, wait: Duration, now: Instant) {
        self.wait_until = (wait > Duration::ZERO).then(|| now + wait);
    }

    pub fn lock(&mut self) {
        self.unlocked = false;
    }

    /// Records that a PIN now exists (after the teacher chose one).
    pub fn pin_was_set(&mut self) {
        self.pin_set = true;
        self.wait_until = None;
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

    fn wall() -> DateTime<Utc> {
        "2026-11-20T09:00:00Z".parse().unwrap()
    }

    const NO_PIN: PinState = PinState::NotSet;
    const A_PIN: PinState = PinState::Set(PinTries {
        failures: 0,
        wait_until: None,
    });

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
        let mut s = Session::new(&NO_PIN, t, wall());
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
        let mut s = Session::new(&A_PIN, t, wall());
        assert!(!s.status(t).unlocked);
        assert!(s.require_teacher(Role::Teacher, t).is_err());
        let wrong = PinTry::Wrong {
            wait: Duration::ZERO,
        };
        assert!(s.record_try(wrong, t).is_err());
        assert!(s.record_try(PinTry::Right, t).is_ok());
        assert!(s.require_teacher(Role::Teacher, t).is_ok());
    }

    /// Choosing the first PIN from the open screens keeps them open for the teacher who
    /// chose it; the next lock needs it.
    #[test]
    fn choosing_the_first_pin_keeps_the_teacher_in() {
        let t = Instant::now();
        let mut s = Session::new(&NO_PIN, t, wall());
        s.pin_was_set();
        assert!(s.require_teacher(Role::Teacher, t).is_ok());
        s.lock();
        assert!(s.require_teacher(Role::Teacher, t).is_err());
    }

    #[test]
    fn opening_the_station_needs_a_pin_and_locks_the_teacher_screens() {
        let t = Instant::now();
        let mut s = Session::new(&NO_PIN, t, wall());
        assert!(s.open_station().is_err());
        s.pin_was_set();
        s.open_station().unwrap();
        assert!(s.status(t).station_open);
        assert!(s.require_teacher(Role::Teacher, t).is_err());
    }

    #[test]
    fn an_idle_session_locks_itself() {
        let t = Instant::now();
        let mut s = Session::new(&A_PIN, t, wall());
        assert_eq!(s.idle_deadline(t), None, "locked: nothing to wait for");
        s.record_try(PinTry::Right, t).unwrap();
        assert_eq!(s.idle_deadline(t), Some(t + IDLE_LOCK));
        let later = t + IDLE_LOCK + Duration::from_secs(1);
        assert!(s.require_teacher(Role::Teacher, later).is_err());
        assert!(!s.status(later).unlocked);
        assert_eq!(s.idle_deadline(later), None);
    }

    /// First run, before a PIN is chosen: an idle or "locked" session must not shut the
    /// teacher out, since there is no PIN to come back in with.
    #[test]
    fn without_a_pin_the_teacher_is_never_locked_out() {
        let t = Instant::now();
        let mut s = Session::new(&NO_PIN, t, wall());
        let later = t + IDLE_LOCK + Duration::from_secs(60);
        assert!(s.require_teacher(Role::Teacher, later).is_ok());
        s.lock();
        assert!(s.require_teacher(Role::Teacher, later).is_ok());
        assert!(s.status(later).unlocked);
        assert_eq!(s.idle_deadline(later), None);
        assert!(s.require_teacher(Role::Station, later).is_err());
    }

    /// Issue 13: a database that cannot be read at start never reads as "no PIN": the
    /// teacher screens stay locked and say why, until it can be read and the PIN is given.
    #[test]
    fn an_unreadable_class_keeps_the_teacher_screens_locked_and_says_why() {
        let t = Instant::now();
        let mut s = Session::new(
            &PinState::Unreadable("database is locked".into()),
            t,
            wall(),
        );
        let st = s.status(t);
        assert!(!st.unlocked && st.pin_set, "{st:?}");
        assert!(st
            .problem
            .as_deref()
            .unwrap()
            .contains("database is locked"));
        let e = s.require_teacher(Role::Teacher, t).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Forbidden);
        assert!(e.to_string().contains("could not be read"), "{e}");
        s.lock();
        assert!(!s.status(t).unlocked);

        s.reread(&A_PIN, t, wall());
        assert_eq!(s.problem(), None);
        assert!(
            s.require_teacher(Role::Teacher, t).is_err(),
            "the PIN first"
        );
        s.record_try(PinTry::Right, t).unwrap();
        assert!(s.require_teacher(Role::Teacher, t).is_ok());

        // Readable again and without a PIN: as on a first run.
        let mut s = Session::new(&PinState::Unreadable("busy".into()), t, wall());
        s.reread(&NO_PIN, t, wall());
        assert!(s.require_teacher(Role::Teacher, t).is_ok());
    }

    #[test]
    fn a_folder_without_a_class_has_no_pin_and_a_damaged_database_is_unreadable() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            pin_state(&dir.path().join("nothing-here")),
            PinState::NotSet
        );
        assert_eq!(pin_state(dir.path()), PinState::NotSet);
        let gp = Goalpost::create(dir.path()).unwrap();
        assert_eq!(pin_state(dir.path()), PinState::NotSet);
        gp.set_teacher_pin("2468").unwrap();
        assert_eq!(pin_state(dir.path()), PinState::Set(PinTries::default()));
        drop(gp);
        std::fs::write(
            dir.path().join(store::DB_FILE),
            b"not a database at all, sorry",
        )
        .unwrap();
        match pin_state(dir.path()) {
            PinState::Unreadable(why) => assert!(why.contains("database"), "{why}"),
            other => panic!("a damaged database read as {other:?}"),
        }
    }

    /// Issue 13: the waits after wrong PINs are kept with the class, so a new app (a
    /// restart) on the same class still waits; the right PIN clears them.
    #[test]
    fn wrong_pins_make_the_next_try_wait_longer_and_the_class_remembers() {
        let (dir, gp) = class();
        gp.set_teacher_pin("2468").unwrap();
        let t = wall();
        for i in 1..FREE_ATTEMPTS {
            assert_eq!(
                gp.try_teacher_pin("0000", t).unwrap(),
                PinTry::Wrong {
                    wait: Duration::ZERO
                },
                "try {i}"
            );
        }
        assert_eq!(
            gp.try_teacher_pin("0000", t).unwrap(),
            PinTry::Wrong { wait: FIRST_WAIT }
        );
        // Even the right PIN is refused during the wait, and nothing is counted.
        assert_eq!(
            gp.try_teacher_pin("2468", t).unwrap(),
            PinTry::Waiting(FIRST_WAIT)
        );
        assert_eq!(
            PinTry::Waiting(FIRST_WAIT)
                .into_result()
                .unwrap_err()
                .kind(),
            crate::ErrorKind::Busy
        );
        drop(gp);

        // Another process on the same class (the app restarted) still waits.
        let gp = Goalpost::open(dir.path()).unwrap();
        assert_eq!(gp.pin_tries().unwrap().failures, FREE_ATTEMPTS);
        assert_eq!(
            pin_state(dir.path()),
            PinState::Set(gp.pin_tries().unwrap())
        );
        let half = t + chrono::Duration::seconds(10);
        assert_eq!(
            gp.try_teacher_pin("2468", half).unwrap(),
            PinTry::Waiting(Duration::from_secs(20))
        );
        let t2 = t + chrono::Duration::from_std(FIRST_WAIT).unwrap();
        assert_eq!(
            gp.try_teacher_pin("0000", t2).unwrap(),
            PinTry::Wrong {
                wait: 2 * FIRST_WAIT
            }
        );
        let t3 = t2 + chrono::Duration::from_std(2 * FIRST_WAIT).unwrap();
        assert_eq!(gp.try_teacher_pin("2468", t3).unwrap(), PinTry::Right);
        assert_eq!(gp.pin_tries().unwrap(), PinTries::default());
    }

    /// A long run of wrong PINs: the wait grows to MAX_WAIT and stays there, and a clock
    /// set back a day does not make the wait longer than MAX_WAIT.
    #[test]
    fn waits_stop_growing_at_the_most_and_a_clock_set_back_does_not_lengthen_them() {
        let (_d, gp) = class();
        gp.set_teacher_pin("2468").unwrap();
        let mut now = wall();
        let mut last = Duration::ZERO;
        for _ in 0..40 {
            match gp.try_teacher_pin("0000", now).unwrap() {
                PinTry::Wrong { wait } => {
                    assert!(wait >= last && wait <= MAX_WAIT, "{wait:?} after {last:?}");
                    last = wait;
                    now += chrono::Duration::from_std(wait).unwrap();
                }
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(last, MAX_WAIT);
        let before = gp.pin_tries().unwrap();
        let day_earlier = now - chrono::Duration::days(1);
        assert_eq!(before.wait_at(day_earlier), MAX_WAIT);
    }

    /// Choosing a new PIN (the teacher who forgot theirs, with `teacher-pin`) forgets the
    /// wrong tries made against the old one.
    #[test]
    fn a_new_pin_forgets_the_wrong_tries() {
        let (_d, gp) = class();
        gp.set_teacher_pin("2468").unwrap();
        for _ in 0..FREE_ATTEMPTS {
            gp.try_teacher_pin("0000", wall()).unwrap();
        }
        assert!(gp.pin_tries().unwrap().wait_at(wall()) > Duration::ZERO);
        gp.set_teacher_pin("1357").unwrap();
        assert_eq!(gp.pin_tries().unwrap(), PinTries::default());
        assert_eq!(gp.try_teacher_pin("1357", wall()).unwrap(), PinTry::Right);
    }
}
