//! The commands, one small adapter each: check the caller, run one core operation off the
//! UI thread, return its result or its `{kind, message}` error. Grouped by screen.

pub mod class;
pub mod families;
pub mod goals;
pub mod portfolio;
pub mod review;
pub mod session;
pub mod settings;
pub mod sharing;
pub mod station;
pub mod sync;
pub mod welcome;

/// What every command returns: core's error serialises as `{kind, message}`.
pub type Reply<T> = Result<T, goalpost::Error>;

/// What the system's dialog answered (`ask`), or the path the environment variable `env`
/// names instead, without showing a dialog: for tests, and for a machine whose desktop has
/// no dialog to show. `None`: the teacher cancelled. Call it off the UI thread: `ask`
/// blocks until the teacher answers.
fn picked(
    env: &str,
    ask: impl FnOnce() -> Option<tauri_plugin_dialog::FilePath>,
) -> Option<std::path::PathBuf> {
    match std::env::var_os(env).filter(|p| !p.is_empty()) {
        Some(p) => Some(p.into()),
        None => ask().and_then(|p| p.into_path().ok()),
    }
}
