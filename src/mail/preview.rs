//! What a dry run shows of the mail step: what is [`due`] for the plan now, family by
//! family, computed by the very function a sync queues from, so the preview cannot drift
//! from it; nothing is written.

use std::collections::BTreeMap;

use serde::Serialize;

use super::queue::due;
use super::report::{QueueCounts, Unreachable};
use crate::error::Result;
use crate::model::*;
use crate::plan::Plan;
use crate::store::outbox;
use crate::Goalpost;

/// What one family would receive (a dry run).
#[derive(Debug, Clone, Serialize)]
pub struct FamilyPreview {
    pub contact_id: ContactId,
    pub contact: String,
    pub channel: Channel,
    /// The language asked for and the one the messages would be in.
    pub language: String,
    pub language_used: String,
    pub deliveries: Vec<PreviewDelivery>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PreviewDelivery {
    /// `evidence`, `digest`, `slip`, `chat`, or a sharing time's `invitation`,
    /// `reminder` or `update`.
    pub kind: String,
    /// The channel it goes by: `email`, `paper` or `chat`.
    pub channel: Channel,
    pub items: Vec<PreviewItem>,
    /// A child's own note it would carry (then no items).
    pub notes: Vec<PreviewNote>,
    /// The sharing time a sharing time's message is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sharing: Option<PreviewSharing>,
}

/// A child's note to their family, as a dry run shows it.
#[derive(Debug, Clone, Serialize)]
pub struct PreviewNote {
    pub note_id: crate::store::notes::NoteId,
    pub student: String,
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PreviewSharing {
    pub id: i64,
    pub title: String,
    pub starts_at: chrono::DateTime<chrono::Utc>,
    pub cancelled: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct PreviewItem {
    pub evidence_id: EvidenceId,
    pub student: String,
    pub goal: String,
    pub with_photo: bool,
}

/// What the mail step of a sync would do now.
#[derive(Debug, Clone)]
pub struct MailPreview {
    pub would_queue: QueueCounts,
    /// Each family that would hear something, by contact id.
    pub families: Vec<FamilyPreview>,
    pub unreachable: Vec<Unreachable>,
}

/// What the mail step would queue for `plan` now, per family. Reads the outbox, writes
/// nothing.
pub fn preview(gp: &Goalpost, plan: &Plan) -> Result<MailPreview> {
    let due = due(plan, &outbox::held(gp.store().conn())?, gp.now());
    let mut by_contact: BTreeMap<ContactId, FamilyPreview> = BTreeMap::new();
    // Newest first, as the outbox lists them.
    for d in due.deliveries.iter().rev() {
        let Some(v) = plan.families.iter().find(|v| v.contact.id == d.contact_id) else {
            continue;
        };
        let fp = by_contact.entry(d.contact_id).or_insert_with(|| {
            let used = crate::i18n::Localizer::new(
                Some(gp.data_dir()),
                "mail",
                &v.contact.language,
                &plan.class.language,
            )
            .map(|l| l.lang)
            .unwrap_or_else(|_| plan.class.language.clone());
            FamilyPreview {
                contact_id: v.contact.id,
                contact: v.contact.name.clone(),
                channel: v.contact.channel,
                language: v.contact.language.clone(),
                language_used: used,
                deliveries: Vec::new(),
            }
        });
        let sharing = outbox::parse_sharing_key(&d.subject_key)
            .filter(|_| d.kind.is_sharing())
            .and_then(|(id, _)| plan.invitations.iter().find(|s| s.id == id))
            .map(|s| PreviewSharing {
                id: s.id,
                title: s.title.render(crate::mentions::CLASSMATE_EN),
                starts_at: s.starts_at,
                cancelled: s.cancelled,
            });
        fp.deliveries.push(PreviewDelivery {
            kind: d.kind.as_str().to_string(),
            channel: d.channel,
            sharing,
            items: d
                .evidence_ids
                .iter()
                .filter_map(|id| v.items.iter().find(|i| i.evidence_id == *id))
                .map(|i| PreviewItem {
                    evidence_id: i.evidence_id,
                    student: i.display_name.clone(),
                    goal: i.goal_title.render(crate::mentions::CLASSMATE_EN),
                    with_photo: i.photo_hash.is_some(),
                })
                .collect(),
            notes: d
                .note_ids
                .iter()
                .filter_map(|id| v.notes.iter().find(|n| n.note_id == *id))
                .map(|n| PreviewNote {
                    note_id: n.note_id,
                    student: n.display_name.clone(),
                    text: n.text.render(crate::mentions::CLASSMATE_EN),
                })
                .collect(),
        });
    }
    Ok(MailPreview {
        would_queue: due.counts(),
        families: by_contact.into_values().collect(),
        unreachable: due.unreachable,
    })
}
