//! Queueing: what is due for each family, written to the outbox before anything is sent.

use chrono::{DateTime, Datelike, Utc};
use sha2::{Digest, Sha256};

use super::report::{QueueCounts, Unreachable, UnreachableCode};
use super::BACK_CATALOGUE_DAYS;
use crate::error::{Error, Result};
use crate::model::*;
use crate::plan::{FamilyItem, FamilyView};
use crate::store::outbox;
use crate::Goalpost;

impl Goalpost {
    /// Only the first step of [`Goalpost::mail_send`]: what is due is written to the outbox;
    /// nothing is sent, no slip is written. A dry run calls it on a copy of the database.
    pub fn mail_queue(&self) -> Result<(QueueCounts, Vec<Unreachable>)> {
        let class = self.class()?;
        let tz = parse_tz(&class)?;
        let from = self.mail_from()?;
        let views = self.family_views()?;
        let mut unreachable = Vec::new();
        let queued = self.queue_due(&views, &class, tz, self.now(), &from, &mut unreachable)?;
        Ok((queued, unreachable))
    }

    /// Step 1: writes every due delivery into the outbox, in one transaction.
    pub(super) fn queue_due(
        &self,
        views: &[FamilyView],
        class: &ClassInfo,
        tz: chrono_tz::Tz,
        now: DateTime<Utc>,
        from: &str,
        unreachable: &mut Vec<Unreachable>,
    ) -> Result<QueueCounts> {
        let day = self
            .setting("mail.weekly_day")?
            .unwrap_or_else(|| "friday".into());
        let day_index = crate::config::WEEKDAYS
            .iter()
            .position(|d| *d == day)
            .unwrap_or(4) as u32;
        let weekly_due = now.with_timezone(&tz).weekday().num_days_from_monday() >= day_index;
        let week = digest_key(now, tz);
        let tx = self.store().write()?;
        let covered = outbox::covered_evidence(&tx)?;
        let mut counts = QueueCounts::default();
        for v in views {
            let c = &v.contact;
            let done = covered.get(&c.id);
            let new: Vec<&FamilyItem> = v
                .items
                .iter()
                .filter(|i| !done.is_some_and(|d| d.contains(&i.evidence_id)))
                .filter(|i| within_link_window(c, i))
                .collect();
            if new.is_empty() {
                continue;
            }
            if let Some(code) = UnreachableCode::of(c) {
                unreachable.push(Unreachable::note(c, code, true));
                continue;
            }
            match c.channel {
                Channel::Email | Channel::Paper => {
                    let kind = if c.channel == Channel::Email {
                        outbox::Kind::Evidence
                    } else {
                        outbox::Kind::Slip
                    };
                    for i in &new {
                        let key = evidence_key(i.evidence_id);
                        let mid = message_id(
                            class,
                            from,
                            &format!("{}:{}", kind.as_str(), i.evidence_id),
                            c.id,
                        );
                        let d = outbox::NewDelivery {
                            contact_id: c.id,
                            kind,
                            subject_key: &key,
                            channel: c.channel.as_str(),
                            message_id: &mid,
                            evidence_ids: &[i.evidence_id],
                        };
                        if outbox::insert(&tx, &d, now)?.is_some() {
                            if kind == outbox::Kind::Slip {
                                counts.slips += 1;
                            } else {
                                counts.emails += 1;
                            }
                        }
                    }
                }
                Channel::Weekly if weekly_due => {
                    let ids: Vec<EvidenceId> = new.iter().map(|i| i.evidence_id).collect();
                    let mid = message_id(class, from, &week, c.id);
                    let d = outbox::NewDelivery {
                        contact_id: c.id,
                        kind: outbox::Kind::Digest,
                        subject_key: &week,
                        channel: c.channel.as_str(),
                        message_id: &mid,
                        evidence_ids: &ids,
                    };
                    // This week's digest may already be out: then these wait for next week's.
                    if outbox::insert(&tx, &d, now)?.is_some() {
                        counts.digests += 1;
                    }
                }
                Channel::Weekly | Channel::None => {}
            }
        }
        tx.commit()?;
        Ok(counts)
    }
}

/// Whether `item` is recent enough for `contact` (see [`BACK_CATALOGUE_DAYS`]).
fn within_link_window(contact: &Contact, item: &FamilyItem) -> bool {
    contact
        .students
        .iter()
        .find(|l| l.student_id == item.student_id)
        .is_some_and(|l| {
            l.linked_at.is_none_or(|at| {
                item.approved_at >= at - chrono::Duration::days(BACK_CATALOGUE_DAYS)
            })
        })
}

pub(super) fn parse_tz(class: &ClassInfo) -> Result<chrono_tz::Tz> {
    class.timezone.parse().map_err(|_| {
        Error::invalid(format!(
            "the class time zone {:?} is not valid: fix it with `goalpost init`",
            class.timezone
        ))
    })
}

/// A short tag that tells this class's Message-IDs from another class's at the same school.
pub(super) fn class_tag(class: &ClassInfo) -> String {
    let h = Sha256::digest(
        format!(
            "{}\n{}\n{}",
            class.school, class.class_name, class.teacher_email
        )
        .as_bytes(),
    );
    h.iter().take(4).map(|b| format!("{b:02x}")).collect()
}

pub(super) fn domain_of(address: &str) -> &str {
    address
        .rsplit_once('@')
        .map(|(_, d)| d)
        .filter(|d| !d.is_empty())
        .unwrap_or("goalpost.invalid")
}

/// The Message-ID of a delivery: from what it is about and the contact, so the same
/// delivery always has the same one (a retry after an unknown outcome can be recognised as
/// a duplicate by the receiving side).
pub fn message_id(class: &ClassInfo, from: &str, subject_key: &str, contact: ContactId) -> String {
    let key: String = subject_key
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '.' })
        .collect();
    format!(
        "<goalpost.{key}.c{contact}.{}@{}>",
        class_tag(class),
        domain_of(from)
    )
}

fn evidence_key(e: EvidenceId) -> String {
    format!("evidence:{e}")
}

/// The digest key of the ISO week `at` falls in, in the class's time zone.
pub fn digest_key(at: DateTime<Utc>, tz: chrono_tz::Tz) -> String {
    let w = at.with_timezone(&tz).iso_week();
    format!("digest:{}-W{:02}", w.year(), w.week())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store;

    #[test]
    fn queueing_notes_a_refused_address_with_its_code_and_the_families_screen_agrees() {
        let dir = tempfile::tempdir().unwrap();
        let at = DateTime::parse_from_rfc3339("2026-11-02T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let gp = Goalpost::create(dir.path())
            .unwrap()
            .with_clock(crate::Clock::fixed(at));
        gp.create_demo(6).unwrap();
        let emailed: Vec<Contact> = gp
            .contacts()
            .unwrap()
            .into_iter()
            .filter(|c| c.channel == Channel::Email)
            .collect();
        assert!(!emailed.is_empty(), "the demo has families on email");
        for c in &emailed {
            store::contacts::set_email_error(gp.store().conn(), c.id, Some("550 no such user"))
                .unwrap();
        }
        let (_, unreachable) = gp.mail_queue().unwrap();
        assert!(!unreachable.is_empty(), "families with news are noted");
        for u in &unreachable {
            assert_eq!(u.code, UnreachableCode::AddressRefused, "{u:?}");
            assert_eq!(u.detail.as_deref(), Some("550 no such user"));
            assert!(
                u.reason.starts_with("the mail server refused "),
                "{}",
                u.reason
            );
        }
        let families = gp.families_reached().unwrap().families;
        for f in &families {
            let want = emailed
                .iter()
                .any(|c| c.id == f.contact_id)
                .then_some(UnreachableCode::AddressRefused);
            assert_eq!(f.reach_problem, want, "{}", f.name);
        }
    }
}
