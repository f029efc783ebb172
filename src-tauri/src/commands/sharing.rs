//! The Sharing screen: sharing times to add, change and cancel (families are invited,
//! reminded and told of changes by the next sync).

use goalpost::class::{SharingForm, SharingRow};
use goalpost::SharingTime;
use tauri::{Runtime, State, Webview};

use super::Reply;
use crate::AppState;

#[tauri::command]
pub async fn sharing_list<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
) -> Reply<Vec<SharingRow>> {
    s.teacher(w.label())?.run(|gp| gp.sharing_rows()).await
}

#[tauri::command]
pub async fn sharing_add<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
    form: SharingForm,
) -> Reply<SharingRow> {
    s.teacher(w.label())?
        .run(move |gp| gp.add_sharing_from(&form))
        .await
}

#[tauri::command]
pub async fn sharing_edit<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
    id: i64,
    form: SharingForm,
) -> Reply<SharingRow> {
    s.teacher(w.label())?
        .run(move |gp| gp.edit_sharing_from(id, &form))
        .await
}

#[tauri::command]
pub async fn sharing_cancel<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
    id: i64,
) -> Reply<SharingTime> {
    s.teacher(w.label())?
        .run(move |gp| gp.cancel_sharing_time(id))
        .await
}
