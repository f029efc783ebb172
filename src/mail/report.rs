//! What a mail run reports: counts, failures and the families it cannot reach, each with
//! the English words the CLI prints and a stable code a window puts in the teacher's
//! language. Counts and codes only for progress: never a child's data.

use std::path::PathBuf;

use serde::Serialize;

use crate::model::*;
use crate::store::outbox;

/// What a run is doing, for a progress bar. Carries counts only, never a child's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Progress {
    Queued {
        emails: usize,
        digests: usize,
        slips: usize,
    },
    Sending {
        done: usize,
        total: usize,
    },
    Finished,
}

/// Newly queued deliveries.
#[derive(Debug, Clone, Default, Serialize)]
pub struct QueueCounts {
    pub emails: usize,
    pub digests: usize,
    pub slips: usize,
    /// Chat texts prepared for the teacher to send (`goalpost chat list`).
    pub chats: usize,
    /// Sharing times' own messages (invitations, reminders, updates), on any channel.
    pub invitations: usize,
    /// Achievements the weekly cap (`mail.max_per_week`) holds back for the gathering on
    /// the weekly day (not queued yet).
    pub held_back: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct FailureNote {
    pub delivery_id: i64,
    pub contact_id: ContactId,
    pub contact: String,
    /// transient (gave up), unknown (gave up), permanent, content
    pub kind: FailureKind,
    /// In English, with the server's own words: for the CLI and the log.
    pub reason: String,
    /// What happened, as a stable code a window can put in the teacher's language.
    pub code: FailureCode,
}

/// Why a message failed for good, as a stable code beside the English `reason` (which
/// keeps the mail server's own words). The set is closed: a new case is a new variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureCode {
    /// The server refused the recipient's address; the contact is marked until it is fixed.
    AddressRefused,
    /// The server refused the message for another reason.
    Refused,
    /// The server kept saying "try later" for [`GIVE_UP_AFTER_DAYS`](super::GIVE_UP_AFTER_DAYS) days.
    GaveUp,
    /// Whether it arrived stayed unknown for [`GIVE_UP_AFTER_DAYS`](super::GIVE_UP_AFTER_DAYS) days.
    OutcomeUnknown,
    /// The message could not be made (for example a photo that cannot be read).
    MessageProblem,
}

impl FailureCode {
    /// The code of a failure of `kind` (an [`Outcome::Failed`] or a compose error);
    /// `address`: the server refused the recipient's address.
    pub(super) fn of(kind: FailureKind, address: bool) -> Self {
        match kind {
            FailureKind::Permanent if address => FailureCode::AddressRefused,
            FailureKind::Permanent => FailureCode::Refused,
            FailureKind::Transient => FailureCode::GaveUp,
            FailureKind::Unknown => FailureCode::OutcomeUnknown,
            // A settings problem stops the run and never fails a message; were it to,
            // the message could not be made as things are.
            FailureKind::Content | FailureKind::Config => FailureCode::MessageProblem,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Unreachable {
    pub contact_id: ContactId,
    pub contact: String,
    /// In English, with the fix: for the CLI and the log.
    pub reason: String,
    /// Why, as a stable code a window can put in the teacher's language.
    pub code: UnreachableCode,
    /// The mail server's own words, when it refused the address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Why a family cannot be reached by email, as a stable code beside the English reason.
/// The set is closed: a family on paper or reached by hand is never unreachable, and
/// consent decides what a message holds, not whether a family hears at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnreachableCode {
    /// Their channel is email or weekly email and they have no address.
    NoEmail,
    /// The mail server refused their address; until it is corrected their news goes home
    /// on paper slips.
    AddressRefused,
}

impl UnreachableCode {
    /// Why `c` cannot be reached by email now, if they cannot. Contacts on paper or
    /// reached by hand need no address.
    pub fn of(c: &Contact) -> Option<Self> {
        if c.channel.needs_email() {
            usable_address(c).err()
        } else {
            None
        }
    }
}

/// `c`'s address if it can be used, or why not (whatever their channel).
pub(super) fn usable_address(c: &Contact) -> std::result::Result<&str, UnreachableCode> {
    match (&c.email, &c.email_error) {
        (Some(a), None) => Ok(a),
        (None, _) => Err(UnreachableCode::NoEmail),
        (Some(_), Some(_)) => Err(UnreachableCode::AddressRefused),
    }
}

/// What becomes of a family's news while they cannot be reached by email, for the words
/// of an [`Unreachable`] note.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum When {
    /// Said when deciding what is due: without an address nothing goes; with a refused
    /// one, the news goes home on paper slips until the address is corrected.
    NotReached,
    /// Said of one email found waiting: it stays queued.
    Waiting,
}

impl Unreachable {
    /// The note for a contact who cannot be reached for `code`.
    pub(super) fn note(c: &Contact, code: UnreachableCode, when: When) -> Self {
        let (reason, detail) = match (code, &c.email, &c.email_error) {
            (UnreachableCode::AddressRefused, Some(a), Some(err)) => (
                format!(
                    "the mail server refused {a} ({err}): correct the address with `goalpost contact edit`; {}",
                    match when {
                        When::NotReached => "until then their news goes home on paper slips",
                        When::Waiting => "this message waits until then",
                    }
                ),
                Some(err.clone()),
            ),
            _ => (
                "no email address: add one, or choose the paper channel".to_string(),
                None,
            ),
        };
        Unreachable {
            contact_id: c.id,
            contact: c.name.clone(),
            reason,
            code,
            detail,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Fallback {
    pub contact_id: ContactId,
    pub contact: String,
    pub wanted: String,
    pub used: String,
}

/// What a run of [`Goalpost::send_mail`](crate::Goalpost::send_mail) did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MailSummary {
    /// `smtp://host:port` or the outbox folder.
    pub transport: String,
    pub queued: QueueCounts,
    /// Emails about one evidence accepted by the server (or written to the outbox folder).
    pub sent: usize,
    /// Weekly digests accepted.
    pub digests: usize,
    /// Slips written into the print folder this run.
    pub slips: usize,
    pub print_files: Vec<PathBuf>,
    /// Deliveries queued for a later attempt (back-off or an unknown outcome).
    pub retries_waiting: usize,
    /// Of those, the ones whose last outcome was unknown (sent again with the same Message-ID).
    pub unknown_outcomes: usize,
    /// Deliveries that failed this run for good.
    pub failures: Vec<FailureNote>,
    /// Contacts who could not be reached (no address, or an address the server refused).
    pub unreachable: Vec<Unreachable>,
    /// Contacts whose language has no catalog: they got the class language.
    pub language_fallbacks: Vec<Fallback>,
    /// Deliveries that wait because their photo's email-size copy is not made yet.
    pub waiting_for_photos: usize,
    /// Rows found in `sending` (an earlier run stopped mid-send) and queued again.
    pub interrupted: usize,
    /// Why the run stopped early (a settings problem), if it did. Nothing was lost: every
    /// delivery not sent is still queued.
    pub stopped: Option<String>,
    /// SMTP connections opened.
    pub connections: usize,
}

/// A row of `mail outbox`.
#[derive(Debug, Clone, Serialize)]
pub struct OutboxEntry {
    #[serde(flatten)]
    pub delivery: outbox::Delivery,
    pub contact: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact(channel: Channel, email: Option<&str>, error: Option<&str>) -> Contact {
        Contact {
            id: 7,
            name: "Mere Parata".into(),
            email: email.map(Into::into),
            language: "es".into(),
            channel,
            email_error: error.map(Into::into),
            students: Vec::new(),
        }
    }

    /// Issue 7: the window shows why a family cannot be reached in the teacher's language,
    /// from a code; `reason` stays the English words `goalpost sync --json` always gave.
    #[test]
    fn an_unreachable_family_has_a_code_beside_the_unchanged_english_reason() {
        let refused = "550 5.1.1 no such user";
        let cases = [
            (Channel::Email, None, None, Some(UnreachableCode::NoEmail)),
            (Channel::Weekly, None, None, Some(UnreachableCode::NoEmail)),
            (
                Channel::Email,
                Some("mere@example.org"),
                Some(refused),
                Some(UnreachableCode::AddressRefused),
            ),
            (
                Channel::Weekly,
                Some("mere@example.org"),
                Some(refused),
                Some(UnreachableCode::AddressRefused),
            ),
            (Channel::Email, Some("mere@example.org"), None, None),
            // Paper and by hand need no address, whatever is wrong with it.
            (Channel::Paper, None, None, None),
            (
                Channel::Paper,
                Some("mere@example.org"),
                Some(refused),
                None,
            ),
            (Channel::None, None, None, None),
        ];
        for (channel, email, error, want) in cases {
            let c = contact(channel, email, error);
            assert_eq!(
                UnreachableCode::of(&c),
                want,
                "{channel} {email:?} {error:?}"
            );
        }

        let u = Unreachable::note(
            &contact(Channel::Email, None, None),
            UnreachableCode::NoEmail,
            When::NotReached,
        );
        let json = serde_json::to_value(&u).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "contact_id": 7,
                "contact": "Mere Parata",
                "reason": "no email address: add one, or choose the paper channel",
                "code": "no_email",
            })
        );

        let c = contact(Channel::Email, Some("mere@example.org"), Some(refused));
        let queued = serde_json::to_value(Unreachable::note(
            &c,
            UnreachableCode::AddressRefused,
            When::NotReached,
        ))
        .unwrap();
        assert_eq!(queued["code"], "address_refused");
        assert_eq!(queued["detail"], refused);
        assert_eq!(
            queued["reason"],
            "the mail server refused mere@example.org (550 5.1.1 no such user): correct the address with `goalpost contact edit`; until then their news goes home on paper slips"
        );
        let sending = Unreachable::note(&c, UnreachableCode::AddressRefused, When::Waiting);
        assert_eq!(
            sending.reason,
            "the mail server refused mere@example.org (550 5.1.1 no such user): correct the address with `goalpost contact edit`; this message waits until then"
        );
    }

    #[test]
    fn a_failed_message_has_a_code_for_each_way_it_can_fail() {
        let cases = [
            (
                FailureKind::Permanent,
                true,
                FailureCode::AddressRefused,
                "address_refused",
            ),
            (
                FailureKind::Permanent,
                false,
                FailureCode::Refused,
                "refused",
            ),
            (
                FailureKind::Transient,
                false,
                FailureCode::GaveUp,
                "gave_up",
            ),
            (
                FailureKind::Unknown,
                false,
                FailureCode::OutcomeUnknown,
                "outcome_unknown",
            ),
            (
                FailureKind::Content,
                false,
                FailureCode::MessageProblem,
                "message_problem",
            ),
        ];
        for (kind, address, code, word) in cases {
            assert_eq!(FailureCode::of(kind, address), code, "{kind:?} {address}");
            assert_eq!(serde_json::to_value(code).unwrap(), word);
        }
        let note = FailureNote {
            delivery_id: 3,
            contact_id: 7,
            contact: "Mere Parata".into(),
            kind: FailureKind::Permanent,
            reason: "550 no such user".into(),
            code: FailureCode::of(FailureKind::Permanent, true),
        };
        let json = serde_json::to_value(&note).unwrap();
        assert_eq!(
            json["reason"], "550 no such user",
            "the English reason stays"
        );
        assert_eq!(json["kind"], "permanent");
        assert_eq!(json["code"], "address_refused");
    }
}
