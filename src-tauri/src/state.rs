//! The app's state: which data folder, the clock, and the teacher session.
//!
//! No database connection is kept here: `Goalpost` holds a SQLite connection, which is
//! not `Sync`, so every command opens the class on a blocking worker thread (about a
//! millisecond) and never on the UI thread. SQLite's WAL mode and busy timeout let several
//! of these work side by side.

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use goalpost::auth::{Role, Session, SessionStatus};
use goalpost::{Clock, Error, Goalpost};

use crate::launch::WindowOptions;
use crate::windows::{STATION, TEACHER};

pub struct AppState {
    data_dir: PathBuf,
    clock: Clock,
    session: Mutex<Session>,
}

impl AppState {
    /// The state for a data folder. A folder without a class still opens the app: its
    /// windows then say how to create one.
    pub fn new(data_dir: PathBuf, clock: Clock) -> AppState {
        let pin_set = Goalpost::open(&data_dir)
            .and_then(|gp| gp.teacher_pin_set())
            .unwrap_or(false);
        AppState {
            data_dir,
            clock,
            session: Mutex::new(Session::new(pin_set, Instant::now())),
        }
    }

    pub fn from_options(opts: &WindowOptions) -> goalpost::Result<AppState> {
        let dir = goalpost::resolve_data_dir(opts.data_dir.clone())?;
        Ok(AppState::new(dir, Clock::from_env()?))
    }

    pub fn data_dir(&self) -> &std::path::Path {
        &self.data_dir
    }

    pub fn session(&self) -> Result<MutexGuard<'_, Session>, Error> {
        // A poisoned lock means a command panicked while holding it: say so, don't crash.
        self.session.lock().map_err(|_| {
            Error::Busy("the teacher session is in a bad state: restart Goalpost".into())
        })
    }

    pub fn status(&self) -> Result<SessionStatus, Error> {
        Ok(self.session()?.status(Instant::now()))
    }

    /// Lets the call through only from the station window.
    pub fn station(&self, label: &str) -> Result<&AppState, Error> {
        match role_of(label)? {
            Role::Station => Ok(self),
            Role::Teacher => Err(Error::Forbidden(
                "this is a station operation: use the station window".into(),
            )),
        }
    }

    /// Lets the call through only from the teacher window with the session unlocked.
    pub fn teacher(&self, label: &str) -> Result<&AppState, Error> {
        let role = role_of(label)?;
        self.session()?.require_teacher(role, Instant::now())?;
        Ok(self)
    }

    /// Lets the call through only from the teacher window, locked or not (for the lock
    /// screen itself).
    pub fn teacher_window(&self, label: &str) -> Result<&AppState, Error> {
        match role_of(label)? {
            Role::Teacher => Ok(self),
            Role::Station => Err(Error::Forbidden(
                "the station cannot do this: ask your teacher".into(),
            )),
        }
    }

    /// Whether the station may bring the teacher's window forward: only once a PIN keeps
    /// its screens locked.
    pub fn may_call_teacher(&self) -> Result<(), Error> {
        if self.session()?.status(Instant::now()).pin_set {
            Ok(())
        } else {
            Err(Error::Forbidden(
                "the teacher screens have no PIN yet: the teacher starts Goalpost without --station and chooses a PIN in Settings".into(),
            ))
        }
    }

    /// Locks the teacher screens (the station has the focus, or called the teacher).
    pub fn lock_teacher(&self) {
        if let Ok(mut s) = self.session() {
            s.lock();
        }
    }

    pub fn station_closed(&self) {
        if let Ok(mut s) = self.session() {
            s.station_closed();
        }
    }

    /// Runs `f` on the class, on a blocking worker thread.
    pub async fn run<T, F>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&mut Goalpost) -> goalpost::Result<T> + Send + 'static,
    {
        let dir = self.data_dir.clone();
        let clock = self.clock;
        tauri::async_runtime::spawn_blocking(move || {
            let mut gp = Goalpost::open(&dir)?.with_clock(clock);
            f(&mut gp)
        })
        .await
        .map_err(|e| {
            Error::Busy(format!(
                "the operation stopped unexpectedly ({e}): try again"
            ))
        })?
    }
}

/// Which role a window has. A window that is neither ours is refused everything.
fn role_of(label: &str) -> Result<Role, Error> {
    match label {
        STATION => Ok(Role::Station),
        TEACHER => Ok(Role::Teacher),
        other => Err(Error::Forbidden(format!(
            "the window {other:?} may not call Goalpost operations"
        ))),
    }
}
