//! The app's state: which data folder, the clock, and the teacher session.
//!
//! No database connection is kept here: `Goalpost` holds a SQLite connection, which is
//! not `Sync`, so every command opens the class on a blocking worker thread (about a
//! millisecond) and never on the UI thread. SQLite's WAL mode and busy timeout let several
//! of these work side by side.
//!
//! One app runs per class (a second launch on the same data folder hands over to it, see
//! `lib.rs`), so this one session governs every window. Whenever it locks, the teacher's
//! window hears it at once ([`SESSION_EVENT`]) and replaces its screens with the lock
//! screen: nothing of the class stays on show behind a locked session.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use chrono::Utc;
use goalpost::auth::{self, Role, Session, SessionStatus};
use goalpost::{Clock, Error, Goalpost};
use serde::Serialize;
use tauri::{AppHandle, Emitter, EventTarget, Manager, Runtime};

use crate::launch::WindowOptions;
use crate::windows::{STATION, TEACHER};

/// The event the teacher's window hears when its session changes under it (locked by the
/// idle timer, the station or a second launch). Its payload is a [`SessionEvent`].
pub const SESSION_EVENT: &str = "goalpost://session";

/// What the teacher's window is told: the session, and why, when it needs saying.
#[derive(Debug, Clone, Serialize)]
pub struct SessionEvent {
    #[serde(flatten)]
    pub status: SessionStatus,
    pub notice: Option<Notice>,
}

/// Something the teacher's window should say besides showing the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Notice {
    /// The station was asked for (a second launch with `--station`) while no PIN protects
    /// the teacher's open screens: it did not open.
    NeedPin,
}

/// The setting that opens the station as a kiosk (full screen, no window frame).
pub const STATION_FULLSCREEN: &str = "station.fullscreen";

pub struct AppState {
    data_dir: PathBuf,
    clock: Clock,
    session: Mutex<Session>,
    /// The station window is a kiosk: full screen, and only the teacher closes it.
    station_kiosk: AtomicBool,
    /// The data folder held no class when the session last read it (so no PIN either).
    read_without_class: AtomicBool,
}

impl AppState {
    /// The state for a data folder. A folder without a class still opens the app: its
    /// windows then say how to create one. A class whose database cannot be read keeps
    /// the teacher screens locked and says why ([`auth::pin_state`]).
    pub fn new(data_dir: PathBuf, clock: Clock) -> AppState {
        let without_class = !goalpost::DataDir::new(&data_dir).database().exists();
        let start = auth::pin_state(&data_dir);
        AppState {
            data_dir,
            clock,
            session: Mutex::new(Session::new(&start, Instant::now(), Utc::now())),
            station_kiosk: AtomicBool::new(false),
            read_without_class: AtomicBool::new(without_class),
        }
    }

    /// A class that appeared in the folder since the session read it without one (a
    /// restore from a terminal, a USB stick or share connected late) may have a PIN: read
    /// it before anything of the class is shown, so the screens lock if it has one.
    fn read_class_if_it_appeared(&self) -> Result<(), Error> {
        if self.read_without_class.load(Ordering::SeqCst) && !self.has_no_class() {
            let state = auth::pin_state(&self.data_dir);
            self.session()?.reread(&state, Instant::now(), Utc::now());
            self.read_without_class.store(false, Ordering::SeqCst);
        }
        Ok(())
    }

    /// The same state with the session locking itself after `idle` without use (tests).
    pub fn with_idle_lock(self, idle: Duration) -> AppState {
        let session = match self.session.into_inner() {
            Ok(s) => s.with_idle_lock(idle),
            Err(poisoned) => poisoned.into_inner().with_idle_lock(idle),
        };
        AppState {
            session: Mutex::new(session),
            ..self
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
        self.read_class_if_it_appeared()?;
        self.session()?.require_teacher(role, Instant::now())?;
        Ok(self)
    }

    /// Lets the call through only from the teacher window, locked or not (for the lock
    /// screen itself).
    pub fn teacher_window(&self, label: &str) -> Result<&AppState, Error> {
        match role_of(label)? {
            Role::Teacher => {
                self.read_class_if_it_appeared()?;
                Ok(self)
            }
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

    /// Locks the teacher screens (the station has the focus, or called the teacher) and
    /// tells the teacher's window, which shows the lock screen at once.
    pub fn lock_teacher<R: Runtime>(&self, app: &AppHandle<R>) {
        if let Ok(mut s) = self.session() {
            s.lock();
        }
        self.tell(app, None);
    }

    /// Tells the teacher's window (only it) how the session stands now.
    pub fn tell<R: Runtime>(&self, app: &AppHandle<R>, notice: Option<Notice>) {
        if let Ok(status) = self.status() {
            // No teacher window open: nobody to tell, and nothing on show.
            let _ = app.emit_to(
                EventTarget::webview_window(TEACHER),
                SESSION_EVENT,
                SessionEvent { status, notice },
            );
        }
    }

    pub fn station_closed(&self) {
        self.station_kiosk.store(false, Ordering::SeqCst);
        if let Ok(mut s) = self.session() {
            s.station_closed();
        }
    }

    /// Whether the station window is a kiosk, which only the teacher may close.
    pub fn station_kiosk(&self) -> bool {
        self.station_kiosk.load(Ordering::SeqCst)
    }

    /// Whether a close request (Alt+F4, the title bar, the dock) to the window `label` is
    /// refused: the kiosk station's only. The teacher closes it through `close_station`.
    pub fn refuses_close(&self, label: &str) -> bool {
        label == STATION && self.station_kiosk()
    }

    pub fn set_station_kiosk(&self, kiosk: bool) {
        self.station_kiosk.store(kiosk, Ordering::SeqCst);
    }

    /// Reads the class again if it could not be read before (at start, or since), so that
    /// a database that comes back (a share mounted late, a lock released) is used, behind
    /// the PIN. Off the UI thread.
    pub async fn reread_if_unreadable(&self) -> Result<(), Error> {
        if self.session()?.problem().is_none() {
            return Ok(());
        }
        let dir = self.data_dir.clone();
        let state = tauri::async_runtime::spawn_blocking(move || auth::pin_state(&dir))
            .await
            .map_err(stopped)?;
        self.session()?.reread(&state, Instant::now(), Utc::now());
        Ok(())
    }

    /// Whether the class asks for the station as a kiosk (`station.fullscreen`); no when it
    /// cannot be read. Reads the database: call it off the UI thread, or before the app's
    /// windows exist.
    pub fn station_fullscreen_setting(&self) -> bool {
        Goalpost::open(&self.data_dir)
            .and_then(|gp| station_fullscreen(&gp))
            .unwrap_or(false)
    }

    /// Runs `f` on the class, on a blocking worker thread.
    pub async fn run<T, F>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&mut Goalpost) -> goalpost::Result<T> + Send + 'static,
    {
        self.run_in_folder(move |dir, clock| {
            let mut gp = Goalpost::open(dir)?.with_clock(clock);
            f(&mut gp)
        })
        .await
    }

    /// Runs `f` on the data folder, which may hold no class yet (making one, restoring
    /// one), on a blocking worker thread.
    pub async fn run_in_folder<T, F>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&std::path::Path, Clock) -> goalpost::Result<T> + Send + 'static,
    {
        let dir = self.data_dir.clone();
        let clock = self.clock;
        tauri::async_runtime::spawn_blocking(move || f(&dir, clock))
            .await
            .map_err(stopped)?
    }

    /// Whether the data folder holds no class yet (the window then offers to make one or
    /// to restore one).
    pub fn has_no_class(&self) -> bool {
        !goalpost::DataDir::new(&self.data_dir).database().exists()
    }

    /// Reads the class's PIN again after the class was made or replaced (a restore): a
    /// class that now has a PIN it did not have asks for it, and the teacher's window is
    /// told at once.
    pub async fn reread_class<R: Runtime>(&self, app: &AppHandle<R>) -> Result<(), Error> {
        let dir = self.data_dir.clone();
        let state = tauri::async_runtime::spawn_blocking(move || auth::pin_state(&dir))
            .await
            .map_err(stopped)?;
        self.session()?.reread(&state, Instant::now(), Utc::now());
        self.read_without_class
            .store(self.has_no_class(), Ordering::SeqCst);
        self.tell(app, None);
        Ok(())
    }
}

/// Whether `station.fullscreen` is on for this class.
pub fn station_fullscreen(gp: &Goalpost) -> goalpost::Result<bool> {
    Ok(gp.setting(STATION_FULLSCREEN)?.as_deref() == Some("yes"))
}

fn stopped(e: impl std::fmt::Display) -> Error {
    Error::Busy(format!(
        "the operation stopped unexpectedly ({e}): try again"
    ))
}

/// Watches the teacher session for the moment it locks itself for want of use, and tells
/// the teacher's window then, so that its screens do not stay on show until the next
/// click. Sleeps until the session's own deadline (never polls); activity only moves the
/// deadline later, so waking early just means sleeping again.
pub fn watch_idle<R: Runtime>(app: AppHandle<R>) {
    let spawned = std::thread::Builder::new()
        .name("goalpost-idle-lock".into())
        .spawn(move || loop {
            let Some(state) = app.try_state::<AppState>() else {
                return;
            };
            let now = Instant::now();
            let Ok((deadline, next)) = state
                .session()
                .map(|s| (s.idle_deadline(now), s.next_idle_check(now)))
            else {
                return;
            };
            std::thread::sleep(next.saturating_duration_since(now));
            if deadline.is_some() && state.status().is_ok_and(|s| !s.unlocked) {
                state.tell(&app, None);
            }
        });
    if let Err(e) = spawned {
        // Without the watcher the session still locks (each command checks); only the
        // window learns it at its next call instead of at once.
        eprintln!("goalpost: the idle lock watcher did not start: {e}");
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
