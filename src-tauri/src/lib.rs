//! The Goalpost desktop shell: two windows over the core, and nothing else.
//!
//! `goalpost-desktop` with no subcommand (or only `--data-dir DIR`, `--station`,
//! `--fullscreen`) opens the app; with any other arguments it is the `goalpost` CLI
//! (`goalpost-desktop sync` for scheduled syncs), handled before Tauri starts, so it needs
//! no display. A school installs one program.
//!
//! One app runs per class: a second launch on the same data folder (another teacher
//! window, or the station's shortcut) hands its command line to the running app, which
//! opens the window it asked for, so that one teacher session governs every window
//! (`tauri-plugin-single-instance`, keyed by the data folder: [`launch::instance_id`]).
//!
//! The shell only wires windows to core operations: each command in `commands/` checks who
//! is calling (window and teacher session) and calls one core function off the UI thread.
//! It holds no SQL, no templates, no pixels and no business rules.

use std::ffi::OsString;
use std::process::ExitCode;

use tauri::{AppHandle, Manager, Runtime};

mod commands;
mod file_manager;
mod launch;
mod state;
mod windows;

pub use commands::welcome::PICK_FILE_ENV;
pub use launch::{instance_id, parse_args, Launch, WindowOptions};
pub use state::{AppState, SessionEvent, SESSION_EVENT};
pub use windows::{open_initial, open_launch, second_launch, STATION, TEACHER};

/// Runs the program: the CLI, the PIN tool, or the app.
pub fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    match parse_args(&args) {
        Launch::Cli => {
            platform::attach_console();
            goalpost::cli::run_from(args)
        }
        Launch::TeacherPin { data_dir } => {
            platform::attach_console();
            launch::teacher_pin(data_dir)
        }
        Launch::Window(opts) => run(opts),
        Launch::Usage(message) => {
            platform::attach_console();
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

/// Opens the app on the data folder, or hands over to the app already open on it.
fn run(opts: WindowOptions) -> ExitCode {
    let state = match AppState::from_options(&opts) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Without WebView2 no window can be made: say what to install before trying.
    #[cfg(windows)]
    if tauri::webview_version().is_err() {
        return launch::cannot_open(&launch::NoWindow::WebView2Missing);
    }
    let mut context = context();
    context.config_mut().identifier = launch::instance_id(state.data_dir());
    // Read before any window exists, so not on the UI thread of a running app.
    let kiosk = opts.station && (opts.fullscreen || state.station_fullscreen_setting());
    daily_backup(state.data_dir().to_path_buf());
    launch::guarded(|opened| {
        // First among plugins: a second launch must hand over before anything else starts.
        let single = tauri_plugin_single_instance::init(|app, argv, _cwd| second_launch(app, argv));
        let app = builder(tauri::Builder::default().plugin(single), state)
            .setup(move |app| {
                windows::open_initial(app.handle(), opts.station, kiosk)?;
                Ok(())
            })
            .build(context)
            .map_err(|e| e.to_string())?;
        opened();
        app.run(|_, _| {});
        Ok(())
    })
}

/// The day's automatic backup when the app starts (issue 15), on a thread of its own so
/// that the window does not wait for it. Its outcome is recorded in the class and shown on
/// the Settings screen; a failure is never skipped in silence.
fn daily_backup(dir: std::path::PathBuf) {
    let _ = std::thread::Builder::new()
        .name("daily-backup".into())
        .spawn(move || {
            let clock = goalpost::Clock::from_env().unwrap_or_default();
            if let Ok(gp) = goalpost::Goalpost::open(&dir) {
                if gp
                    .with_clock(clock)
                    .auto_backup_if_due()
                    .is_some_and(|r| !r.ok)
                {
                    eprintln!("warning: today's automatic backup failed: see the Settings screen");
                }
            }
        });
}

/// The app's configuration, capabilities and embedded `ui/`.
pub fn context<R: Runtime>() -> tauri::Context<R> {
    tauri::generate_context!()
}

/// What a window event means for the teacher session. A child at the station must never
/// find the teacher's screens open: the moment the station window has the focus (a child
/// is at it, or Alt-Tab went there), the teacher session locks, and the teacher's window
/// shows the lock screen at once, so going from the station to the teacher's window always
/// meets the PIN. A kiosk station refuses to close: only the teacher's window closes it.
pub fn window_event<R: Runtime>(app: &AppHandle<R>, label: &str, event: &tauri::WindowEvent) {
    let Some(state) = app.try_state::<AppState>() else {
        return;
    };
    match event {
        tauri::WindowEvent::Focused(true) if label == STATION => state.lock_teacher(app),
        tauri::WindowEvent::CloseRequested { api, .. } if state.refuses_close(label) => {
            api.prevent_close();
        }
        tauri::WindowEvent::Destroyed if label == STATION => {
            state.station_closed();
            state.tell(app, None);
        }
        _ => {}
    }
}

/// Everything but the windows: state, commands, window events and the idle-lock watcher.
/// Shared by the app and the in-process tests, so that the tests call the real command
/// list.
pub fn builder<R: Runtime>(builder: tauri::Builder<R>, state: AppState) -> tauri::Builder<R> {
    builder
        .manage(state)
        // The folder dialog, opened only by commands in Rust (no window may call it).
        .plugin(tauri_plugin_dialog::init())
        .plugin(
            tauri::plugin::Builder::<R>::new("goalpost-session")
                .setup(|app, _| {
                    state::watch_idle(app.clone());
                    Ok(())
                })
                .build(),
        )
        .on_window_event(|window, event| window_event(window.app_handle(), window.label(), event))
        .invoke_handler(tauri::generate_handler![
            commands::station::station_home,
            commands::station::station_goals,
            commands::station::station_submit,
            commands::station::station_call_teacher,
            commands::session::teacher_status,
            commands::session::teacher_unlock,
            commands::session::teacher_lock,
            commands::session::teacher_set_pin,
            commands::session::open_station,
            commands::session::close_station,
            commands::class::class_overview,
            commands::class::student_add,
            commands::class::student_edit,
            commands::class::student_remove,
            commands::class::contact_add,
            commands::class::contact_edit,
            commands::class::contact_remove,
            commands::class::contact_link,
            commands::class::contact_unlink,
            commands::class::consent_set,
            commands::class::roster_import,
            commands::class::roster_export,
            commands::review::review_list,
            commands::review::evidence_photo,
            commands::review::evidence_edit,
            commands::review::evidence_approve,
            commands::review::evidence_approve_all,
            commands::review::evidence_return,
            commands::goals::goals_overview,
            commands::goals::goal_add,
            commands::goals::goal_set_status,
            commands::goals::goal_add_next,
            commands::sync::sync_preview,
            commands::sync::sync_run,
            commands::families::families_list,
            commands::families::family_log,
            commands::families::chat_list,
            commands::families::chat_photo,
            commands::families::chat_sent,
            commands::sharing::sharing_list,
            commands::sharing::sharing_add,
            commands::sharing::sharing_edit,
            commands::sharing::sharing_cancel,
            commands::settings::settings_get,
            commands::settings::class_save,
            commands::settings::setting_set,
            commands::settings::backup_create,
            commands::settings::backup_list,
            commands::settings::backup_restore,
            commands::settings::mail_server_get,
            commands::settings::mail_server_save,
            commands::settings::mail_test,
            commands::settings::open_folder,
            commands::portfolio::portfolio_export,
            commands::portfolio::goal_suggestions,
            commands::goals::goal_sheets_print,
            commands::station::station_note,
            commands::review::notes_waiting,
            commands::review::note_approve,
            commands::review::note_reject,
            commands::welcome::class_create,
            commands::welcome::backup_restore_file,
            commands::settings::settings_save,
        ])
}

/// Code that only one operating system needs.
mod platform {
    /// A release build on Windows has no console of its own (it is a window app); the CLI
    /// borrows the console of the terminal it was started from, so that its output shows.
    #[cfg(windows)]
    pub fn attach_console() {
        const ATTACH_PARENT_PROCESS: u32 = u32::MAX;
        #[link(name = "kernel32")]
        extern "system" {
            fn AttachConsole(process_id: u32) -> i32;
        }
        // SAFETY: AttachConsole takes a plain integer and has no other preconditions; a
        // failure (no parent console, e.g. under Task Scheduler) only means no output.
        unsafe {
            AttachConsole(ATTACH_PARENT_PROCESS);
        }
    }

    #[cfg(not(windows))]
    pub fn attach_console() {}
}
