//! Year-end portfolios from the Class screen (one student, or the whole class) and the goal
//! suggestions kept from earlier years (the Goals screen).
//!
//! The folder is asked for with the system's folder dialog, opened from here in Rust: the
//! windows get no dialog or file system permission of their own (capabilities/), so a page
//! script cannot open one, and the station cannot call these commands at all. The
//! portfolio goes into a new folder inside the one chosen (`Goalpost::export_into`), which
//! is then shown in the file manager.

use std::path::PathBuf;

use goalpost::portfolio::ExportReport;
use goalpost::store::year::GoalSuggestion;
use goalpost::StudentId;
use serde::Serialize;
use tauri::{AppHandle, Runtime, State, Webview};
use tauri_plugin_dialog::DialogExt;

use super::Reply;
use crate::AppState;

/// The folder the folder dialog answers with, without showing it: for tests, and for a
/// machine whose desktop has no dialog to show.
pub const PICK_FOLDER_ENV: &str = "GOALPOST_PICK_FOLDER";

#[derive(Debug, Serialize)]
pub struct Exported {
    /// The new folder that holds the portfolio(s).
    pub dir: PathBuf,
    pub report: ExportReport,
    /// Whether the file manager was opened on it (the window shows the path either way).
    pub opened: bool,
}

/// Asks for a folder, writes the portfolio of `student_id` (or of every student) into a
/// new folder inside it, and shows it. `None` when the teacher cancelled the dialog.
#[tauri::command]
pub async fn portfolio_export<R: Runtime>(
    app: AppHandle<R>,
    w: Webview<R>,
    s: State<'_, AppState>,
    student_id: Option<StudentId>,
    title: String,
) -> Reply<Option<Exported>> {
    s.teacher(w.label())?
        .run(move |gp| {
            let picked = super::picked(PICK_FOLDER_ENV, || {
                app.dialog().file().set_title(title).blocking_pick_folder()
            });
            let Some(parent) = picked else {
                return Ok(None);
            };
            let report = gp.export_into(&parent, student_id)?;
            let dir = report.dir.clone();
            let program =
                std::env::var_os(super::settings::FILE_MANAGER_ENV).filter(|p| !p.is_empty());
            let opened = crate::file_manager::open(&dir, program.as_deref()).is_ok();
            Ok(Some(Exported {
                dir,
                report,
                opened,
            }))
        })
        .await
}

#[tauri::command]
pub async fn goal_suggestions<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
) -> Reply<Vec<GoalSuggestion>> {
    s.teacher(w.label())?.run(|gp| gp.goal_suggestions()).await
}
