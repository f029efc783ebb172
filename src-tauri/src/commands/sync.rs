//! The Sync screen: the preview (a dry run) and the sync itself, with its progress sent to
//! the calling window only.

use goalpost::sync::{Event, SyncSummary};
use tauri::ipc::Channel;
use tauri::{Runtime, State, Webview};

use super::Reply;
use crate::AppState;

/// What a sync would do, per family and on the blog; changes nothing.
#[tauri::command]
pub async fn sync_preview<R: Runtime>(w: Webview<R>, s: State<'_, AppState>) -> Reply<SyncSummary> {
    s.teacher(w.label())?
        .run(|gp| gp.sync(true, &mut |_| {}))
        .await
}

/// Runs the sync on a worker thread. Its progress events go through `on_progress`, a
/// channel that belongs to the window that called (the teacher's): no other window hears
/// them. A second sync meanwhile (from this window, the CLI or a scheduled task) is
/// refused by core's sync lock with a "busy" error that says a sync is already running.
#[tauri::command]
pub async fn sync_run<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
    on_progress: Channel<Event>,
) -> Reply<SyncSummary> {
    s.teacher(w.label())?
        .run(move |gp| {
            gp.sync(false, &mut |e| {
                // A window that went away cannot hear progress; the sync goes on.
                let _ = on_progress.send(e);
            })
        })
        .await
}
