//! The teacher window on a folder that holds no class yet (the first day, or a new PC):
//! start a new class, or bring the class from a backup file made on the old computer (a
//! USB stick, a school share). Restoring from a file is on the Settings screen too, for a
//! class that exists.
//!
//! With no class there is no PIN to ask for, so these are teacher-window commands like the
//! others ([`AppState::teacher`]). Once a class is made or restored, the session reads it
//! again: a restored class with a PIN locks the window until the PIN is entered.
//!
//! The file is asked for with the system's file dialog, opened from here in Rust, as for
//! portfolios (`commands/portfolio.rs`): no window may open a dialog or a file itself.

use goalpost::backup::RestoreReport;
use goalpost::ClassInfo;
use tauri::{AppHandle, Runtime, State, Webview};
use tauri_plugin_dialog::DialogExt;

use super::Reply;
use crate::AppState;

/// The file the file dialog answers with, without showing it: for tests, and for a
/// machine whose desktop has no dialog to show.
pub const PICK_FILE_ENV: &str = "GOALPOST_PICK_FILE";

/// Makes the class of this data folder, which holds none yet.
#[tauri::command]
pub async fn class_create<R: Runtime>(
    app: AppHandle<R>,
    w: Webview<R>,
    s: State<'_, AppState>,
    class: ClassInfo,
) -> Reply<ClassInfo> {
    let made = s
        .teacher(w.label())?
        .run_in_folder(move |dir, clock| goalpost::class::create_class(dir, &class, clock))
        .await?;
    s.reread_class(&app).await?;
    Ok(made)
}

/// Asks for a backup file (the dialog's `title`) and restores the class from it: into this
/// folder when it holds no class, else in place of the class, which is kept in the backups
/// folder. `None` when the teacher cancelled the dialog.
#[tauri::command]
pub async fn backup_restore_file<R: Runtime>(
    app: AppHandle<R>,
    w: Webview<R>,
    s: State<'_, AppState>,
    title: String,
    filter: String,
) -> Reply<Option<RestoreReport>> {
    let dialog = app.clone();
    let restored = s
        .teacher(w.label())?
        .run_in_folder(move |dir, clock| {
            let picked = super::picked(PICK_FILE_ENV, || {
                dialog
                    .dialog()
                    .file()
                    .set_title(title)
                    // Whole-class archives, and the database-only backups of older versions.
                    .add_filter(filter, &[goalpost::backup::EXTENSION, "sqlite3"])
                    .blocking_pick_file()
            });
            match picked {
                Some(file) => goalpost::backup::restore_into_new(dir, &file, clock).map(Some),
                None => Ok(None),
            }
        })
        .await?;
    if restored.is_some() {
        s.reread_class(&app).await?;
    }
    Ok(restored)
}
