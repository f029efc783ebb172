//! The Settings screen: the class's details, settings, backup and restore.

use goalpost::backup::RestoreReport;
use goalpost::config::Setting;
use goalpost::mail::server::{MailServer, MailServerInput};
use goalpost::mail::TestReport;
use goalpost::teacher::{BackupFile, Folder};
use goalpost::ClassInfo;
use serde::Serialize;
use tauri::{AppHandle, Runtime, State, Webview};

use super::Reply;
use crate::AppState;

#[derive(Debug, Serialize)]
pub struct SettingsView {
    pub class: ClassInfo,
    pub settings: Vec<Setting>,
    pub data_dir: std::path::PathBuf,
    pub blog_dir: std::path::PathBuf,
    pub theme_dir: std::path::PathBuf,
    /// Where automatic backups go (`backup.dir`, else the data folder's `backups/`).
    pub backup_dir: std::path::PathBuf,
    /// The latest automatic backup, ok or failed.
    pub last_auto_backup: Option<goalpost::store::backup_runs::BackupRun>,
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
                theme_dir: goalpost::blog::theme_dir(gp.data_dir()),
                backup_dir: gp.config()?.backup_dir(gp.folders()),
                last_auto_backup: gp.last_auto_backup()?,
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

/// Saves several settings at once (a card of the Settings screen): every value is checked
/// first, and either all are saved or, naming the first bad one, none is.
#[tauri::command]
pub async fn settings_save<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
    values: Vec<(String, String)>,
) -> Reply<Vec<Setting>> {
    s.teacher(w.label())?
        .run(move |gp| {
            let pairs: Vec<(&str, &str)> = values
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            gp.set_settings(&pairs)?;
            gp.settings()
        })
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
    app: AppHandle<R>,
    w: Webview<R>,
    s: State<'_, AppState>,
    name: String,
) -> Reply<RestoreReport> {
    let r = s
        .teacher(w.label())?
        .run(move |gp| gp.restore_backup_named(&name))
        .await?;
    // The class restored may have another PIN, or none.
    s.reread_class(&app).await?;
    Ok(r)
}

#[tauri::command]
pub async fn mail_server_get<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
) -> Reply<MailServer> {
    s.teacher(w.label())?.run(|gp| gp.mail_server()).await
}

#[tauri::command]
pub async fn mail_server_save<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
    server: MailServerInput,
) -> Reply<MailServer> {
    s.teacher(w.label())?
        .run(move |gp| gp.set_mail_server(&server))
        .await
}

/// Sends a test message through the saved mail settings (off the UI thread: a server
/// that does not answer takes up to `smtp.timeout` seconds to give up).
#[tauri::command]
pub async fn mail_test<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
    address: String,
) -> Reply<TestReport> {
    s.teacher(w.label())?
        .run(move |gp| gp.mail_test(&address))
        .await
}

/// The program that opens folders instead of the system's file manager, for schools whose
/// desktop has no default one (and for tests, where none can run).
pub const FILE_MANAGER_ENV: &str = "GOALPOST_FILE_MANAGER";

/// Opens one of the known folders in the file manager; returns its path, which the screen
/// also shows, so that a computer without a file manager still tells where it is.
#[tauri::command]
pub async fn open_folder<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
    folder: Folder,
) -> Reply<std::path::PathBuf> {
    s.teacher(w.label())?
        .run(move |gp| {
            let dir = gp.folder(folder)?;
            let program = std::env::var_os(FILE_MANAGER_ENV).filter(|p| !p.is_empty());
            crate::file_manager::open(&dir, program.as_deref())
                .map_err(|e| goalpost::Error::io("open a file manager on", &dir, e))?;
            Ok(dir)
        })
        .await
}
