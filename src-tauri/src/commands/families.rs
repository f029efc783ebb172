//! The Families screen: who was reached, when and how, from the contact log, and contacts
//! made by hand.

use goalpost::families::FamiliesView;
use goalpost::mail::{ChatMessage, ChatSent};
use goalpost::store::contact_log::Entry;
use goalpost::ContactId;
use tauri::ipc::Response;
use tauri::{Runtime, State, Webview};

use super::Reply;
use crate::AppState;

#[tauri::command]
pub async fn families_list<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
) -> Reply<FamiliesView> {
    s.teacher(w.label())?.run(|gp| gp.families_reached()).await
}

/// A phone call, a note in the notebook, a visit: written into the contact log.
#[tauri::command]
pub async fn family_log<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
    contact_id: ContactId,
    method: String,
    note: String,
) -> Reply<Entry> {
    s.teacher(w.label())?
        .run(move |gp| gp.log_contact_by_hand(contact_id, &method, &note))
        .await
}

/// The chat texts waiting for the teacher to send them.
#[tauri::command]
pub async fn chat_list<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
) -> Reply<Vec<ChatMessage>> {
    s.teacher(w.label())?.run(|gp| gp.chat_list()).await
}

/// A chat text's photo (its web copy), raw, for a `blob:` URL to drag or save.
#[tauri::command]
pub async fn chat_photo<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
    id: i64,
) -> Reply<Response> {
    s.teacher(w.label())?
        .run(move |gp| gp.chat_photo(id))
        .await
        .map(Response::new)
}

/// Chat texts the teacher sent: recorded, and the families logged as reached.
#[tauri::command]
pub async fn chat_sent<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
    ids: Vec<i64>,
) -> Reply<Vec<ChatSent>> {
    s.teacher(w.label())?
        .run(move |gp| gp.chat_sent(&ids))
        .await
}
