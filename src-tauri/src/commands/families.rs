//! The Families screen: who was reached, when and how, from the contact log, and contacts
//! made by hand.

use goalpost::families::FamiliesView;
use goalpost::store::contact_log::Entry;
use goalpost::ContactId;
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
