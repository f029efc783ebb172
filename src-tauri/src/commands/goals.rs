//! The Goals screen: goals by student, a goal for many, achieved by hand, the next goal.

use goalpost::teacher::StudentGoals;
use goalpost::{Goal, GoalId, GoalStatus, StudentId};
use serde::Serialize;
use tauri::{Runtime, State, Webview};

use super::Reply;
use crate::AppState;

#[tauri::command]
pub async fn goals_overview<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
) -> Reply<Vec<StudentGoals>> {
    s.teacher(w.label())?.run(|gp| gp.goals_by_student()).await
}

/// Gives one goal to one student or many at once.
#[tauri::command]
pub async fn goal_add<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
    student_ids: Vec<StudentId>,
    title: String,
    subject: String,
) -> Reply<Vec<Goal>> {
    s.teacher(w.label())?
        .run(move |gp| gp.add_goal_to_many(&student_ids, &title, &subject))
        .await
}

#[tauri::command]
pub async fn goal_set_status<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
    id: GoalId,
    status: GoalStatus,
) -> Reply<Goal> {
    s.teacher(w.label())?
        .run(move |gp| gp.set_goal_status(id, status))
        .await
}

/// Sets the next goal of a goal: a new goal for the same student that follows it.
#[tauri::command]
pub async fn goal_add_next<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
    id: GoalId,
    title: String,
    subject: String,
) -> Reply<Goal> {
    s.teacher(w.label())?
        .run(move |gp| {
            let student = gp.goal(id)?.student_id;
            gp.add_goal(student, &title, &subject, Some(id))
        })
        .await
}

/// A printable file written, and whether a program was found to open it.
#[derive(Serialize)]
pub struct Printed {
    pub file: std::path::PathBuf,
    pub opened: bool,
}

/// Writes the goal sheets of one student (or, without one, of the whole class, a page
/// each) into the print folder and opens the file in the system's program for it (a
/// browser: print from there), as Settings opens folders. The path comes back so that the
/// screen tells where the file is when nothing could open it.
#[tauri::command]
pub async fn goal_sheets_print<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
    student_id: Option<StudentId>,
) -> Reply<Printed> {
    s.teacher(w.label())?
        .run(move |gp| {
            let file = match student_id {
                Some(id) => gp.print_goal_sheet(id, None)?,
                None => gp.print_goal_sheets_all(None)?,
            };
            let program = std::env::var_os(super::settings::FILE_MANAGER_ENV);
            let program = program.filter(|p| !p.is_empty());
            let opened = crate::file_manager::open(&file, program.as_deref()).is_ok();
            Ok(Printed { file, opened })
        })
        .await
}
