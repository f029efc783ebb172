//! The Class screen: students, contacts, links, consents, roster import and export.

use std::path::PathBuf;

use goalpost::class::{ContactInput, EditedContact, Erased};
use goalpost::roster::ImportReport;
use goalpost::teacher::ClassOverview;
use goalpost::{ConsentSet, Contact, ContactId, Purpose, Student, StudentId};
use serde::Deserialize;
use tauri::{Runtime, State, Webview};

use super::Reply;
use crate::AppState;

/// A contact's fields as the form sends them; absent fields stay as they are.
#[derive(Debug, Default, Deserialize)]
pub struct ContactForm {
    pub name: Option<String>,
    pub email: Option<String>,
    pub language: Option<String>,
    pub channel: Option<String>,
}

impl From<ContactForm> for ContactInput {
    fn from(f: ContactForm) -> Self {
        ContactInput {
            name: f.name,
            email: f.email,
            language: f.language,
            channel: f.channel,
        }
    }
}

#[tauri::command]
pub async fn class_overview<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
) -> Reply<ClassOverview> {
    s.teacher(w.label())?.run(|gp| gp.class_overview()).await
}

#[tauri::command]
pub async fn student_add<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
    first_name: String,
    last_name: String,
    pseudonym: Option<String>,
) -> Reply<Student> {
    s.teacher(w.label())?
        .run(move |gp| {
            gp.add_student(
                &first_name,
                &last_name,
                pseudonym.as_deref().filter(|p| !p.trim().is_empty()),
            )
        })
        .await
}

#[tauri::command]
pub async fn student_edit<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
    id: StudentId,
    first_name: Option<String>,
    last_name: Option<String>,
    pseudonym: Option<String>,
) -> Reply<Student> {
    s.teacher(w.label())?
        .run(move |gp| {
            gp.edit_student(
                id,
                first_name.as_deref(),
                last_name.as_deref(),
                pseudonym.as_deref(),
            )
        })
        .await
}

#[tauri::command]
pub async fn student_remove<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
    id: StudentId,
) -> Reply<Erased> {
    s.teacher(w.label())?
        .run(move |gp| gp.remove_student(id))
        .await
}

#[tauri::command]
pub async fn contact_add<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
    contact: ContactForm,
    student_id: Option<StudentId>,
    relationship: Option<String>,
) -> Reply<Contact> {
    s.teacher(w.label())?
        .run(move |gp| {
            let rel = relationship.unwrap_or_default();
            gp.add_contact(&contact.into(), student_id.map(|id| (id, rel.as_str())))
        })
        .await
}

#[tauri::command]
pub async fn contact_edit<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
    id: ContactId,
    contact: ContactForm,
) -> Reply<EditedContact> {
    s.teacher(w.label())?
        .run(move |gp| gp.edit_contact(id, &contact.into()))
        .await
}

#[tauri::command]
pub async fn contact_remove<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
    id: ContactId,
) -> Reply<()> {
    s.teacher(w.label())?
        .run(move |gp| gp.remove_contact(id))
        .await
}

#[tauri::command]
pub async fn contact_link<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
    contact_id: ContactId,
    student_id: StudentId,
    relationship: String,
) -> Reply<Contact> {
    s.teacher(w.label())?
        .run(move |gp| gp.link_contact(contact_id, student_id, &relationship))
        .await
}

#[tauri::command]
pub async fn contact_unlink<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
    contact_id: ContactId,
    student_id: StudentId,
) -> Reply<Contact> {
    s.teacher(w.label())?
        .run(move |gp| gp.unlink_contact(contact_id, student_id))
        .await
}

#[tauri::command]
pub async fn consent_set<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
    student_id: StudentId,
    purpose: Purpose,
    granted: bool,
    given_by: String,
) -> Reply<ConsentSet> {
    s.teacher(w.label())?
        .run(move |gp| gp.set_consent(student_id, purpose, granted, &given_by))
        .await
}

/// Imports roster CSV text chosen in the window; every bad row comes back in the message.
#[tauri::command]
pub async fn roster_import<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
    csv: String,
    file_name: String,
) -> Reply<ImportReport> {
    s.teacher(w.label())?
        .run(move |gp| gp.import_roster(csv.as_bytes(), &file_name))
        .await
}

#[tauri::command]
pub async fn roster_export<R: Runtime>(w: Webview<R>, s: State<'_, AppState>) -> Reply<PathBuf> {
    s.teacher(w.label())?
        .run(|gp| gp.export_roster_to_exports())
        .await
}
