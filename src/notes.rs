//! A child's own note to their family (issue 16, part 2): a few words written at the
//! station ("Come and see my reading goal on Thursday!"), not tied to an evidence.
//!
//! A note waits for the teacher like evidence. Only an approved note is ever sent, and only
//! to that child's own contacts, at the next sync, on each contact's channel (see
//! `crate::mail::queue`); a rejected or waiting note never leaves the PC. The plan holds
//! approved notes with the name rule of family messages applied, as it does the child's
//! words on an evidence. Erasing the child removes their notes.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::*;
use crate::store::notes::{Note, NoteId, NoteStatus};
use crate::{store, validate, Goalpost};

/// The longest note a child may write: a few words, not a letter.
pub const NOTE_MAX_CHARS: usize = 140;

/// A note as the teacher reviews it: with the child's display name.
#[derive(Debug, Clone, Serialize)]
pub struct NoteView {
    #[serde(flatten)]
    pub note: Note,
    pub display_name: String,
    /// How many of the child's contacts it would reach (those on `none` excluded).
    pub contacts: usize,
}

/// What the station sends when a child writes a note.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NoteSubmission {
    pub student_id: StudentId,
    #[serde(default)]
    pub text: String,
}

/// The station's confirmation of a note.
#[derive(Debug, Clone, Serialize)]
pub struct NoteReceipt {
    pub note_id: NoteId,
    pub display_name: String,
}

impl Goalpost {
    /// Adds a child's note to their own family; it waits for the teacher. What the station
    /// does (`station_note`) and `goalpost note add`.
    pub fn add_note(&self, student: StudentId, text: &str) -> Result<Note> {
        self.student(student)?;
        let text = validate::text("the note to your family", text, NOTE_MAX_CHARS)?;
        if text.is_empty() {
            return Err(Error::invalid(
                "the note is empty: write a few words to your family, then send it",
            ));
        }
        let now = self.now();
        let id = self
            .store()
            .in_tx(|tx| store::notes::insert(tx, student, &text, now))?;
        self.note(id)
    }

    /// The station's note: a child writes to their own family (see [`Goalpost::add_note`]).
    pub fn station_note(&self, sub: &NoteSubmission) -> Result<NoteReceipt> {
        let student = self.student(sub.student_id)?;
        let note = self.add_note(student.id, &sub.text)?;
        Ok(NoteReceipt {
            note_id: note.id,
            display_name: student.display_name,
        })
    }

    pub fn note(&self, id: NoteId) -> Result<Note> {
        store::notes::get(self.store().conn(), id)?.ok_or_else(|| {
            Error::not_found(format!(
                "there is no note with id {id}: see `goalpost note list --all`"
            ))
        })
    }

    /// Notes with a status (or all), oldest first, with the child's display name.
    pub fn notes(&self, status: Option<NoteStatus>) -> Result<Vec<NoteView>> {
        let conn = self.store().conn();
        let students = store::students::list(conn)?;
        let contacts = self.contacts()?;
        Ok(store::notes::list(conn, status)?
            .into_iter()
            .map(|n| NoteView {
                display_name: students
                    .iter()
                    .find(|s| s.id == n.student_id)
                    .map(|s| s.display_name.clone())
                    .unwrap_or_default(),
                contacts: contacts
                    .iter()
                    .filter(|c| c.channel != Channel::None)
                    .filter(|c| c.students.iter().any(|l| l.student_id == n.student_id))
                    .count(),
                note: n,
            })
            .collect())
    }

    /// Approves notes (all of them or none): the next sync sends each to its child's
    /// contacts.
    pub fn approve_notes(&self, ids: &[NoteId]) -> Result<Vec<Note>> {
        self.review_notes(ids, NoteStatus::Approved)
    }

    /// Approves every waiting note. Returns what it approved.
    pub fn approve_all_notes(&self) -> Result<Vec<Note>> {
        let ids: Vec<NoteId> = store::notes::list(self.store().conn(), Some(NoteStatus::Waiting))?
            .into_iter()
            .map(|n| n.id)
            .collect();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        self.approve_notes(&ids)
    }

    /// Rejects notes (all of them or none): they never leave the PC. A note approved but
    /// not sent yet is held back too.
    pub fn reject_notes(&self, ids: &[NoteId]) -> Result<Vec<Note>> {
        self.review_notes(ids, NoteStatus::Rejected)
    }

    fn review_notes(&self, ids: &[NoteId], status: NoteStatus) -> Result<Vec<Note>> {
        if ids.is_empty() {
            return Err(Error::invalid(
                "no note given: give note ids (see `goalpost note list`)",
            ));
        }
        let found: Vec<Note> = ids.iter().map(|&id| self.note(id)).collect::<Result<_>>()?;
        let reviewer = self.class()?.teacher;
        let now = self.now();
        self.store().in_tx(|tx| {
            for n in found.iter().filter(|n| n.status != status) {
                store::notes::review(tx, n.id, status, &reviewer, now)?;
            }
            Ok(())
        })?;
        ids.iter().map(|&id| self.note(id)).collect()
    }
}
