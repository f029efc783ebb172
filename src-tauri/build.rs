//! Declares every command of the app, so that Tauri generates one `allow-<command>`
//! permission each and a window can call only the commands its capability lists
//! (`capabilities/station.json`, `capabilities/teacher.json`).

/// Keep in step with `generate_handler!` in `src/lib.rs`.
const COMMANDS: &[&str] = &[
    // station window
    "station_home",
    "station_goals",
    "station_submit",
    "station_call_teacher",
    // station window: a child's own note to their family (issue 16, part 2)
    "station_note",
    // teacher window
    "teacher_status",
    "teacher_unlock",
    "teacher_lock",
    "teacher_set_pin",
    "open_station",
    "close_station",
    "class_overview",
    "student_add",
    "student_edit",
    "student_remove",
    "contact_add",
    "contact_edit",
    "contact_remove",
    "contact_link",
    "contact_unlink",
    "consent_set",
    "roster_import",
    "roster_export",
    "review_list",
    "evidence_photo",
    "evidence_edit",
    "evidence_approve",
    "evidence_approve_all",
    "evidence_return",
    "goals_overview",
    "goal_add",
    "goal_set_status",
    "goal_add_next",
    "sync_preview",
    "sync_run",
    "families_list",
    "family_log",
    "chat_list",
    "chat_photo",
    "chat_sent",
    "sharing_list",
    "sharing_add",
    "sharing_edit",
    "sharing_cancel",
    "settings_get",
    "class_save",
    "setting_set",
    "backup_create",
    "backup_list",
    "backup_restore",
    "mail_server_get",
    "mail_server_save",
    "mail_test",
    "open_folder",
    "portfolio_export",
    "goal_suggestions",
    // teacher window: goal sheets go home (issue 16, part 5)
    "goal_sheets_print",
    // teacher window: the children's notes to their families (issue 16, part 2)
    "notes_waiting",
    "note_approve",
    "note_reject",
    // teacher window: a folder with no class yet, and restoring from a file (issue 15)
    "class_create",
    "backup_restore_file",
    // teacher window: a Settings card saves its settings together
    "settings_save",
];

fn main() {
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(e) = tauri_build::try_build(attributes) {
        eprintln!("tauri-build failed: {e:#}");
        std::process::exit(1);
    }
}
