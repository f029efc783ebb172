//! The `chat` channel: Goalpost talks to no chat service. For each family on `chat` it
//! prepares, in their language, a short text and the photo's web copy (only when consent
//! lets photos reach the family), one per approved evidence, queued in the outbox like any
//! delivery. The teacher pastes them into the family's chat (a WhatsApp group, a text
//! message) and marks them sent; only then is the family reached (a `chat` entry in the
//! contact log). Texts are made from the plan's [`FamilyView`](crate::plan::FamilyView),
//! so what a chat text may say is decided where an email's is. A child's own note to their
//! family, once approved, is a chat text of its own (the child's words, no photo).

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::compose::{chat_text, note_chat_text, Languages, Renderer};
use super::invite::{invite_chat_text, invite_view, sharing_of};
use crate::error::{Error, Result};
use crate::model::*;
use crate::plan::{FamilyItem, NoteItem};
use crate::store::notes::NoteId;
use crate::store::{self, outbox};
use crate::{photo, Goalpost};

/// One chat text waiting for the teacher to send it: about one evidence, or a sharing
/// time's invitation, reminder or update (then `student` names the contact's children and
/// there is no photo).
#[derive(Debug, Clone, Serialize)]
pub struct ChatMessage {
    /// The delivery's id: `goalpost chat sent ID`.
    pub delivery_id: i64,
    pub contact_id: ContactId,
    pub contact: String,
    /// What it is: `chat` (about an evidence), `invitation`, `reminder` or `update`.
    pub kind: &'static str,
    /// The language the text is in (the contact's, else the class's).
    pub language: String,
    /// The student it is about (display name).
    pub student: String,
    pub text: String,
    /// The photo's web copy to attach, when there is a photo and consent lets it reach
    /// the family. The file is named by the photo's hash, never by a name.
    pub photo: Option<PathBuf>,
    /// There is a photo to send but its web copy is not made yet (a sync makes it).
    pub photo_missing: bool,
    pub queued_at: DateTime<Utc>,
}

/// A chat text marked sent.
#[derive(Debug, Clone, Serialize)]
pub struct ChatSent {
    pub delivery_id: i64,
    pub contact_id: ContactId,
    pub contact: String,
    /// False when it was marked sent before (nothing changed).
    pub newly: bool,
}

impl Goalpost {
    /// The chat texts not yet marked sent, oldest first (see the module docs). Reads only:
    /// a text whose evidence was erased or withdrawn meanwhile is left out.
    pub fn chat_list(&self) -> Result<Vec<ChatMessage>> {
        let plan = self.plan()?;
        let views: HashMap<ContactId, &crate::plan::FamilyView> =
            plan.families.iter().map(|v| (v.contact.id, v)).collect();
        let renderer = Renderer::new()?;
        let mut langs = Languages::new(self.data_dir(), &plan.class.language);
        let site_url = plan.settings.blog_site_url.as_deref();
        let mut out = Vec::new();
        for d in outbox::chats_unsent(self.store().conn())? {
            let Some(v) = views.get(&d.contact_id) else {
                continue;
            };
            let c = &v.contact;
            // A child's own note: the words as written, no photo.
            if !d.note_ids.is_empty() {
                let Some(note) = own_note(v, &d.note_ids) else {
                    continue;
                };
                let l = langs.get(&c.language)?;
                out.push(ChatMessage {
                    delivery_id: d.id,
                    contact_id: c.id,
                    contact: c.name.clone(),
                    kind: d.kind.as_str(),
                    language: l.lang.clone(),
                    student: note.display_name.clone(),
                    text: note_chat_text(l, note),
                    photo: None,
                    photo_missing: false,
                    queued_at: d.created_at,
                });
                continue;
            }
            if d.kind.is_sharing() {
                // A sharing time's invitation, reminder or update, as a chat text.
                let Some((s, kind)) = sharing_of(&plan, c, d.kind, &d.subject_key) else {
                    continue;
                };
                let l = langs.get(&c.language)?;
                let view = invite_view(l, &plan.class, plan.tz, c, s, kind);
                out.push(ChatMessage {
                    delivery_id: d.id,
                    contact_id: c.id,
                    contact: c.name.clone(),
                    kind: d.kind.as_str(),
                    language: l.lang.clone(),
                    student: c
                        .students
                        .iter()
                        .map(|s| s.display_name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    text: invite_chat_text(&view, &renderer)?,
                    photo: None,
                    photo_missing: false,
                    queued_at: d.created_at,
                });
                continue;
            }
            // Only this contact's own items, those this delivery is about (several when
            // the weekly cap gathered them into one text).
            let items = own_items(v, &d.evidence_ids);
            if items.is_empty() {
                continue;
            }
            let l = langs.get(&c.language)?;
            let mut texts = Vec::with_capacity(items.len());
            for item in &items {
                texts.push(chat_text(l, &renderer, item, site_url)?);
            }
            let mut names: Vec<&str> = Vec::new();
            for i in &items {
                if !names.contains(&i.display_name.as_str()) {
                    names.push(&i.display_name);
                }
            }
            // The first photo consent lets reach the family.
            let copy = items
                .iter()
                .find_map(|i| i.photo_hash.as_deref())
                .map(|h| photo::copy_path(self.data_dir(), h, photo::Size::Web));
            let photo_missing = copy.as_ref().is_some_and(|p| !p.is_file());
            out.push(ChatMessage {
                delivery_id: d.id,
                contact_id: c.id,
                contact: c.name.clone(),
                kind: d.kind.as_str(),
                language: l.lang.clone(),
                student: names.join(", "),
                text: texts.join("\n\n"),
                photo: copy.filter(|_| !photo_missing),
                photo_missing,
                queued_at: d.created_at,
            });
        }
        Ok(out)
    }

    /// The photo a chat text goes with: the bytes of its web copy, when consent lets it
    /// reach the family (as [`Goalpost::chat_list`] says).
    pub fn chat_photo(&self, delivery_id: i64) -> Result<Vec<u8>> {
        let m = self
            .chat_list()?
            .into_iter()
            .find(|m| m.delivery_id == delivery_id)
            .ok_or_else(|| {
                Error::not_found(format!(
                    "there is no chat text waiting with delivery id {delivery_id}"
                ))
            })?;
        let path = m.photo.ok_or_else(|| {
            Error::not_found(format!("the chat text {delivery_id} has no photo to send"))
        })?;
        std::fs::read(&path).map_err(|e| Error::io("read the photo copy", path, e))
    }

    /// Marks chat texts sent by their delivery ids, all or none, and logs each family as
    /// reached by chat. One already marked sent is reported, unchanged.
    pub fn chat_sent(&self, ids: &[i64]) -> Result<Vec<ChatSent>> {
        if ids.is_empty() {
            return Err(Error::invalid(
                "give the delivery ids of the chat texts you sent (from `goalpost chat list`)",
            ));
        }
        let names: HashMap<ContactId, String> = self
            .contacts()?
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect();
        let now = self.now();
        self.store().in_tx(|tx| {
            let mut out: Vec<ChatSent> = Vec::new();
            for &id in ids {
                if out.iter().any(|s| s.delivery_id == id) {
                    continue; // the same id given twice
                }
                let d = outbox::get(tx, id)?
                    .filter(|d| {
                        d.kind == outbox::Kind::Chat
                            || (d.kind.is_sharing() && d.channel == Channel::Chat.as_str())
                    })
                    .ok_or_else(|| {
                        Error::not_found(format!(
                            "there is no chat text with delivery id {id}: see `goalpost chat list`"
                        ))
                    })?;
                let newly = d.status != outbox::Status::Sent;
                if newly {
                    outbox::mark_sent(tx, id, now)?;
                    store::contact_log::insert(
                        tx,
                        d.contact_id,
                        now,
                        "chat",
                        "chat text marked sent",
                        Some(id),
                    )?;
                }
                out.push(ChatSent {
                    delivery_id: id,
                    contact_id: d.contact_id,
                    contact: names.get(&d.contact_id).cloned().unwrap_or_default(),
                    newly,
                });
            }
            Ok(out)
        })
    }
}

/// The items of `v` a chat delivery about `evidence` tells, those still there and the
/// contact's own, oldest first.
fn own_items<'v>(v: &'v crate::plan::FamilyView, evidence: &[EvidenceId]) -> Vec<&'v FamilyItem> {
    v.items
        .iter()
        .filter(|i| evidence.contains(&i.evidence_id))
        .filter(|i| {
            v.contact
                .students
                .iter()
                .any(|s| s.student_id == i.student_id)
        })
        .collect()
}

/// The child's note a chat delivery carries, if it is still there and the contact's own
/// child's.
fn own_note<'v>(v: &'v crate::plan::FamilyView, notes: &[NoteId]) -> Option<&'v NoteItem> {
    v.notes
        .iter()
        .filter(|n| notes.contains(&n.note_id))
        .find(|n| {
            v.contact
                .students
                .iter()
                .any(|s| s.student_id == n.student_id)
        })
}
