//! The words of Goalpost as types: class, student, contact, goal, evidence, consent.
//!
//! Plain data only: no SQL, no I/O. The store reads and writes these; everything else
//! passes them around.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::Error;

pub type StudentId = i64;
pub type ContactId = i64;
pub type GoalId = i64;
pub type EvidenceId = i64;

/// One teacher's class for one year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassInfo {
    pub school: String,
    pub class_name: String,
    pub teacher: String,
    pub teacher_email: String,
    /// BCP 47 tag; sets the blog's words and the fallback for contacts without a catalog.
    pub language: String,
    /// IANA time zone name, such as `Pacific/Auckland`.
    pub timezone: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Student {
    pub id: StudentId,
    pub first_name: String,
    pub last_name: String,
    pub pseudonym: Option<String>,
    /// What families and the blog see: the first name, with an initial when two share a
    /// first name, or the pseudonym.
    pub display_name: String,
}

/// How a contact hears about their students.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// One email per approved evidence.
    Email,
    /// One email a week with everything since the last one.
    Weekly,
    /// Printed slips.
    Paper,
    /// A short text and a photo the teacher pastes into a chat app (a WhatsApp group, a
    /// text message): Goalpost prepares them and talks to no chat service.
    Chat,
    /// Not reached automatically (the teacher reaches them by hand).
    None,
}

impl Channel {
    pub const ALL: [Channel; 5] = [
        Channel::Email,
        Channel::Weekly,
        Channel::Paper,
        Channel::Chat,
        Channel::None,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Weekly => "weekly",
            Channel::Paper => "paper",
            Channel::Chat => "chat",
            Channel::None => "none",
        }
    }

    /// Whether this channel needs an email address.
    pub fn needs_email(self) -> bool {
        matches!(self, Channel::Email | Channel::Weekly)
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Channel {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        let t = s.trim().to_ascii_lowercase();
        Channel::ALL
            .into_iter()
            .find(|c| c.as_str() == t)
            .ok_or_else(|| {
                Error::invalid(format!(
                    "unknown channel {s:?}: use one of email, weekly, paper, chat, none"
                ))
            })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub id: ContactId,
    pub name: String,
    pub email: Option<String>,
    pub language: String,
    pub channel: Channel,
    /// Why the mail server refused this address, if it did; the teacher should fix it.
    pub email_error: Option<String>,
    pub students: Vec<ContactLink>,
}

/// A contact's link to one student.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactLink {
    pub student_id: StudentId,
    pub display_name: String,
    pub relationship: String,
    /// When the contact started hearing about this student: they are not sent evidence
    /// approved long before (see `mail::BACK_CATALOGUE_DAYS`).
    #[serde(default)]
    pub linked_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// What may be done with a student's work; each is given or refused separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// The display name may appear on the blog (otherwise a neutral label).
    NameOnBlog,
    /// Photos may appear on the blog.
    PhotoOnBlog,
    /// The student may appear on the blog at all.
    Blog,
    /// Photos may be emailed to the student's own family.
    EmailFamily,
}

impl Purpose {
    pub const ALL: [Purpose; 4] = [
        Purpose::NameOnBlog,
        Purpose::PhotoOnBlog,
        Purpose::Blog,
        Purpose::EmailFamily,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::NameOnBlog => "name_on_blog",
            Purpose::PhotoOnBlog => "photo_on_blog",
            Purpose::Blog => "blog",
            Purpose::EmailFamily => "email_family",
        }
    }
}

impl fmt::Display for Purpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Purpose {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        let t = s.trim().to_ascii_lowercase();
        Purpose::ALL
            .into_iter()
            .find(|p| p.as_str() == t)
            .ok_or_else(|| {
                Error::invalid(format!(
                    "unknown consent purpose {s:?}: use one of name_on_blog, photo_on_blog, blog, email_family"
                ))
            })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    pub purpose: Purpose,
    pub granted: bool,
    pub given_by: String,
    pub given_at: DateTime<Utc>,
}

/// A student's consents; a purpose with no record counts as refused.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentSet {
    pub records: Vec<Consent>,
}

impl ConsentSet {
    pub fn allows(&self, purpose: Purpose) -> bool {
        self.records
            .iter()
            .any(|c| c.purpose == purpose && c.granted)
    }

    pub fn get(&self, purpose: Purpose) -> Option<&Consent> {
        self.records.iter().find(|c| c.purpose == purpose)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GoalStatus {
    Current,
    Achieved,
}

impl GoalStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            GoalStatus::Current => "current",
            GoalStatus::Achieved => "achieved",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "current" => Some(GoalStatus::Current),
            "achieved" => Some(GoalStatus::Achieved),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Goal {
    pub id: GoalId,
    pub student_id: StudentId,
    pub title: String,
    pub subject: String,
    pub status: GoalStatus,
    pub next_goal_id: Option<GoalId>,
    pub achieved_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    Waiting,
    Approved,
    Returned,
}

impl ReviewStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::Waiting => "waiting",
            ReviewStatus::Approved => "approved",
            ReviewStatus::Returned => "returned",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "waiting" => Some(ReviewStatus::Waiting),
            "approved" => Some(ReviewStatus::Approved),
            "returned" => Some(ReviewStatus::Returned),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub id: EvidenceId,
    pub student_id: StudentId,
    pub goal_id: GoalId,
    /// Content hash of the private original photo.
    pub photo_hash: Option<String>,
    /// What the student said they learned, in their own words.
    pub words: String,
    /// An optional message from the student to their family.
    pub family_message: String,
    pub status: ReviewStatus,
    pub submitted_at: DateTime<Utc>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub return_reason: Option<String>,
}

/// Evidence with what a reviewer needs to see beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceView {
    #[serde(flatten)]
    pub evidence: Evidence,
    pub display_name: String,
    pub goal_title: String,
    /// Names in the student's words the blog must not show, for the teacher to edit out
    /// before approving (see [`crate::mentions`]).
    #[serde(default)]
    pub mentions: Vec<Mention>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoRecord {
    pub hash: String,
    pub bytes: i64,
    pub format: String,
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharingTime {
    pub id: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    pub title: String,
    pub place: String,
    pub note: String,
    /// The calendar entry's SEQUENCE (RFC 5545): 0 when planned, one more for each change
    /// and for the cancellation.
    #[serde(default)]
    pub sequence: u32,
    /// When it was cancelled; a cancelled time is kept so that invited families hear of it.
    #[serde(default)]
    pub cancelled_at: Option<DateTime<Utc>>,
}

/// Why a name in a child's words needs the teacher's eye (found by `crate::mentions`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MentionReason {
    /// A student's last name: never on the blog.
    LastName,
    /// A classmate whose family has not agreed to the blog.
    NoBlogConsent,
    /// A student whose family has not agreed to their name on the blog.
    NoNameConsent,
    /// The real first name of a student who goes by a pseudonym: the blog and every
    /// family's message show the pseudonym instead.
    Pseudonym,
}

/// One name found in the words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mention {
    pub student_id: StudentId,
    /// The student's display name, for the teacher.
    pub name: String,
    /// The name as it is written in the words.
    pub found: String,
    pub reason: MentionReason,
}

/// Why the last attempt at a delivery did not go through (the `error_kind` column, and
/// `kind` in a failure note). The set is closed: a new case is a new variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// The server said "try later" (4xx), or could not be reached.
    Transient,
    /// The server refused for good (5xx), or the contact has no usable address.
    Permanent,
    /// The connection broke after the whole message was sent: it may have arrived.
    Unknown,
    /// The mail settings are wrong; nothing is wrong with the message.
    Config,
    /// The message could not be made (a photo missing or unreadable).
    Content,
}

impl FailureKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::Transient => "transient",
            FailureKind::Permanent => "permanent",
            FailureKind::Unknown => "unknown",
            FailureKind::Config => "config",
            FailureKind::Content => "content",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<FailureKind> {
        Some(match s {
            "transient" => FailureKind::Transient,
            "permanent" => FailureKind::Permanent,
            "unknown" => FailureKind::Unknown,
            "config" => FailureKind::Config,
            "content" => FailureKind::Content,
            _ => return None,
        })
    }
}
