//! The Settings screen: the class's details, settings, backup and restore.

use goalpost::backup::RestoreReport;
use goalpost::config::Setting;
use goalpost::teacher::BackupFile;
use goalpost::ClassInfo;
use serde::Serialize;
use tauri::{Runtime, State, Webview};

use super::Reply;
use crate::AppState;

#[derive(Debug, Serialize)]
pub struct SettingsView {
    pub class: ClassInfo,
    pub settings: Vec<Setting>,
    pub data_dir: std::path::PathBuf,
    pub blog_dir: std::path::PathBuf,
}

#[tauri::command]
pub async fn settings_get<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
) -> Reply<SettingsView> {
    s.teacher(w.label())?
        .run(|gp| {
            Ok(SettingsView {
                class: gp.class()?,
                settings: gp.settings()?,
                data_dir: gp.data_dir().to_path_buf(),
                blog_dir: gp.blog_dir()?,
            })
        })
        .await
}

#[tauri::command]
pub async fn class_save<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
    class: ClassInfo,
) -> Reply<ClassInfo> {
    s.teacher(w.label())?
        .run(move |gp| gp.init_class(&class))
        .await
}

#[tauri::command]
pub async fn setting_set<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
    key: String,
    value: String,
) -> Reply<Option<String>> {
    s.teacher(w.label())?
        .run(move |gp| gp.set_setting(&key, &value))
        .await
}

#[tauri::command]
pub async fn backup_create<R: Runtime>(w: Webview<R>, s: State<'_, AppState>) -> Reply<BackupFile> {
    s.teacher(w.label())?.run(|gp| gp.backup_to_backups()).await
}

#[tauri::command]
pub async fn backup_list<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
) -> Reply<Vec<BackupFile>> {
    s.teacher(w.label())?.run(|gp| gp.backup_files()).await
}

#[tauri::command]
pub async fn backup_restore<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
    name: String,
) -> Reply<RestoreReport> {
    s.teacher(w.label())?
        .run(move |gp| gp.restore_backup_named(&name))
        .await
}
