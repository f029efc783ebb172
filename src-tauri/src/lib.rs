//! The Goalpost desktop shell: two windows over the core, and nothing else.
//!
//! `goalpost-desktop` with no subcommand (or only `--data-dir DIR` / `--station`) opens
//! the app; with any other arguments it is the `goalpost` CLI (`goalpost-desktop sync` for
//! scheduled syncs), handled before Tauri starts, so it needs no display. A school installs
//! one program.
//!
//! The shell only wires windows to core operations: each command in `commands/` checks who
//! is calling (window and teacher session) and calls one core function off the UI thread.
//! It holds no SQL, no templates, no pixels and no business rules.

use std::ffi::OsString;
use std::process::ExitCode;

use tauri::{Manager, Runtime};

mod commands;
mod launch;
mod state;
mod windows;

pub use launch::{parse_args, Launch, WindowOptions};
pub use state::AppState;
pub use windows::{open_initial, STATION, TEACHER};

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
    }
}

/// Opens the app on the data folder.
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
    launch::guarded(|opened| {
        let app = builder(tauri::Builder::default(), state)
            .setup(move |app| {
                windows::open_initial(app.handle(), opts.station)?;
                Ok(())
            })
            .build(context())
            .map_err(|e| e.to_string())?;
        opened();
        app.run(|_, _| {});
        Ok(())
    })
}

/// The app's configuration, capabilities and embedded `ui/`.
pub fn context<R: Runtime>() -> tauri::Context<R> {
    tauri::generate_context!()
}

/// What a window event means for the teacher session. A child at the station must never
/// find the teacher's screens open: the moment the station window has the focus (a child
/// is at it, or Alt-Tab went there), the teacher session locks, so going from the station
/// to the teacher's window always meets the PIN.
pub fn window_event(state: &AppState, label: &str, event: &tauri::WindowEvent) {
    match event {
        tauri::WindowEvent::Focused(true) if label == STATION => state.lock_teacher(),
        tauri::WindowEvent::Destroyed if label == STATION => state.station_closed(),
        _ => {}
    }
}

/// Everything but the windows: state, commands and window events. Shared by the app and
/// the in-process tests, so that the tests call the real command list.
pub fn builder<R: Runtime>(builder: tauri::Builder<R>, state: AppState) -> tauri::Builder<R> {
    builder
        .manage(state)
        .on_window_event(|window, event| {
            window_event(&window.state::<AppState>(), window.label(), event)
        })
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
