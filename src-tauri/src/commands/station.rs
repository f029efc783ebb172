//! The station window's commands: display names, current goals, submit evidence, write a
//! note to one's own family. Nothing else.

use goalpost::notes::{NoteReceipt, NoteSubmission};
use goalpost::station::{StationGoal, StationHome, StationReceipt, StationSubmission};
use goalpost::StudentId;
use tauri::{AppHandle, Runtime, State, Webview};

use super::Reply;
use crate::AppState;

#[tauri::command]
pub async fn station_home<R: Runtime>(w: Webview<R>, s: State<'_, AppState>) -> Reply<StationHome> {
    s.station(w.label())?.run(|gp| gp.station_home()).await
}

#[tauri::command]
pub async fn station_goals<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
    student_id: StudentId,
) -> Reply<Vec<StationGoal>> {
    s.station(w.label())?
        .run(move |gp| gp.station_goals(student_id))
        .await
}

#[tauri::command]
pub async fn station_submit<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
    submission: StationSubmission,
) -> Reply<StationReceipt> {
    s.station(w.label())?
        .run(move |gp| gp.station_submit(&submission))
        .await
}

/// A child's own note to their family: it waits for the teacher's review.
#[tauri::command]
pub async fn station_note<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
    note: NoteSubmission,
) -> Reply<NoteReceipt> {
    s.station(w.label())?
        .run(move |gp| gp.station_note(&note))
        .await
}

/// Locks the teacher screens and brings the teacher's window forward: whoever stands at the
/// station meets the PIN, even if the teacher had unlocked meanwhile. Refused while there
/// is no PIN: the teacher's screens would open to the child.
#[tauri::command]
pub async fn station_call_teacher<R: Runtime>(
    app: AppHandle<R>,
    w: Webview<R>,
    s: State<'_, AppState>,
) -> Reply<()> {
    let s = s.station(w.label())?;
    s.may_call_teacher()?;
    s.lock_teacher(&app);
    crate::windows::show_teacher(&app)
        .map(|_| ())
        .map_err(|e| goalpost::Error::Busy(format!("the teacher window did not open: {e}")))
}
