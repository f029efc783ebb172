//! The Review screen: waiting evidence, its photo, edit, approve, return; the children's
//! notes to their families, approve or reject.

use goalpost::notes::NoteView;
use goalpost::store::notes::{Note, NoteId, NoteStatus};
use goalpost::{Evidence, EvidenceId, EvidenceView, ReviewStatus};
use tauri::ipc::Response;
use tauri::{Runtime, State, Webview};

use super::Reply;
use crate::AppState;

#[tauri::command]
pub async fn review_list<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
) -> Reply<Vec<EvidenceView>> {
    s.teacher(w.label())?
        .run(|gp| gp.evidence_list(Some(ReviewStatus::Waiting)))
        .await
}

/// The photo's bytes, raw (no JSON), for a `blob:` URL in the window.
#[tauri::command]
pub async fn evidence_photo<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
    id: EvidenceId,
) -> Reply<Response> {
    s.teacher(w.label())?
        .run(move |gp| gp.evidence_photo(id))
        .await
        .map(Response::new)
}

#[tauri::command]
pub async fn evidence_edit<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
    id: EvidenceId,
    words: Option<String>,
    family_message: Option<String>,
) -> Reply<Evidence> {
    s.teacher(w.label())?
        .run(move |gp| gp.edit_evidence_text(id, words.as_deref(), family_message.as_deref()))
        .await
}

#[tauri::command]
pub async fn evidence_approve<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
    ids: Vec<EvidenceId>,
) -> Reply<Vec<Evidence>> {
    s.teacher(w.label())?.run(move |gp| gp.approve(&ids)).await
}

#[tauri::command]
pub async fn evidence_approve_all<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
) -> Reply<Vec<Evidence>> {
    s.teacher(w.label())?.run(|gp| gp.approve_all()).await
}

#[tauri::command]
pub async fn evidence_return<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
    id: EvidenceId,
    reason: String,
) -> Reply<Evidence> {
    s.teacher(w.label())?
        .run(move |gp| gp.return_evidence(id, &reason))
        .await
}

/// The children's notes to their families that wait for review.
#[tauri::command]
pub async fn notes_waiting<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
) -> Reply<Vec<NoteView>> {
    s.teacher(w.label())?
        .run(|gp| gp.notes(Some(NoteStatus::Waiting)))
        .await
}

#[tauri::command]
pub async fn note_approve<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
    ids: Vec<NoteId>,
) -> Reply<Vec<Note>> {
    s.teacher(w.label())?
        .run(move |gp| gp.approve_notes(&ids))
        .await
}

#[tauri::command]
pub async fn note_reject<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
    ids: Vec<NoteId>,
) -> Reply<Vec<Note>> {
    s.teacher(w.label())?
        .run(move |gp| gp.reject_notes(&ids))
        .await
}
