//! The command line's arguments: clap types whose doc comments are the help text.
//!
//! Every command, flag and its spelling is a public interface (schools script them): add,
//! never rename.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::class::ContactInput;
use crate::model::*;

/// Goalpost keeps families close to their children's learning: goals, evidence, a class
/// blog and family email, from the classroom PC.
#[derive(Debug, Parser)]
#[command(name = "goalpost", version, propagate_version = true)]
pub struct Cli {
    /// The data folder that holds the class. Default: $GOALPOST_DATA_DIR, else the per-user
    /// application data folder (the one the desktop app uses).
    #[arg(long, global = true, value_name = "DIR", env = "GOALPOST_DATA_DIR")]
    pub data_dir: Option<PathBuf>,

    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the class in the data folder (or update its details).
    Init(InitArgs),
    /// Import or export the roster CSV (students, contacts, consents).
    #[command(subcommand)]
    Roster(RosterCmd),
    /// List, add, edit or erase students.
    #[command(subcommand)]
    Student(StudentCmd),
    /// List, add, edit or remove contacts, and link them to students.
    #[command(subcommand)]
    Contact(ContactCmd),
    /// Record or show what may be published about a student.
    #[command(subcommand)]
    Consent(ConsentCmd),
    /// Add and list goals ("I can ...").
    #[command(subcommand)]
    Goal(GoalCmd),
    /// Add evidence that a goal is met (what the station does).
    #[command(subcommand)]
    Evidence(EvidenceCmd),
    /// Review evidence: list what waits, approve, return.
    #[command(subcommand)]
    Review(ReviewCmd),
    /// A child's own notes to their family: add one (what the station does), list what
    /// waits, approve, reject. Only an approved note is sent, to that child's contacts.
    #[command(subcommand)]
    Note(NoteCmd),
    /// Photos: make the web copies of approved photos.
    #[command(subcommand)]
    Photo(PhotoCmd),
    /// Plan sharing times when families can come in and see the learning.
    #[command(subcommand)]
    Sharing(SharingCmd),
    /// Fill an empty data folder with a complete demo class.
    Demo {
        /// How many students the demo class has.
        #[arg(long, default_value_t = crate::demo::DEFAULT_STUDENTS)]
        students: usize,
    },
    /// Show and change settings (mail server, blog folder, ...).
    #[command(subcommand)]
    Config(ConfigCmd),
    /// Family email: send what is due, test the mail server, look at the outbox.
    #[command(subcommand)]
    Mail(MailCmd),
    /// Chat texts for families on the chat channel: list them, mark them sent.
    #[command(subcommand)]
    Chat(ChatCmd),
    /// Printable pages to send home.
    #[command(subcommand)]
    Print(PrintCmd),
    /// Build the class blog: a folder of plain HTML and a feed that families can follow.
    #[command(subcommand)]
    Blog(BlogCmd),
    /// Bring the blog and every family up to date: photo copies, blog, email, slips.
    Sync {
        /// Show what each family would receive and what the blog would change; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// List the students none of whose contacts was reached lately, worst first: no
    /// contact, only contacts on `none`, addresses refused, or simply not reached; each with
    /// their contacts' last contact and channel. A printed slip counts as reached.
    Reach {
        /// How many days count as lately.
        #[arg(long, default_value_t = crate::families::LATELY_DAYS)]
        days: i64,
    },
    /// Write a backup of the whole class to FILE, e.g. room7.goalpost: the database, the
    /// photos, the outbox and print folders, the theme and language files, with a manifest
    /// of sha-256 hashes (not the blog: a sync rebuilds it). Safe while the app runs.
    Backup {
        /// Where to write the backup (one file; .goalpost by convention).
        file: PathBuf,
    },
    /// Replace the class with a backup, after checking every byte of it (the class it
    /// replaces is kept in backups/). Into a new or empty data folder too: no init first.
    Restore {
        /// A file made with `goalpost backup` (an older database-only backup works too).
        file: PathBuf,
    },
    /// Year-end portfolios for families: a folder that opens from disk or a USB stick.
    #[command(subcommand)]
    Export(ExportCmd),
    /// The class as a whole: close a school year.
    #[command(subcommand)]
    Class(ClassCmd),
}

#[derive(Debug, Subcommand)]
pub enum ExportCmd {
    /// Write one student's portfolio into DIR (a new or empty folder): index.html of the
    /// year, portfolio.json, and the photos the family may have.
    Student {
        /// The student's id or unique name.
        student: String,
        /// The folder to write (made if missing; it must be empty).
        dir: PathBuf,
        /// The language of the portfolio (one with portfolio words: en, es, ar, or one the
        /// teacher added). Default: the first contact's, else the class's.
        #[arg(long)]
        language: Option<String>,
    },
    /// Write every student's portfolio into DIR/s<id>/, with an index.html for the teacher.
    Class {
        /// The folder to write (made if missing; it must be empty).
        dir: PathBuf,
        /// One language for every portfolio. Default: each family's.
        #[arg(long)]
        language: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ClassCmd {
    /// Close the school year: a backup and every student's portfolio into DIR, then an empty
    /// class for next year that keeps the settings, theme, language files and the goal
    /// titles (as suggestions). Nothing changes if the backup or a portfolio fails.
    Archive {
        /// The folder to write (made if missing; it must be empty).
        dir: PathBuf,
        /// Do not ask for confirmation (needed when not run on a terminal).
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The school's name.
    #[arg(long)]
    pub school: String,
    /// The class's name, e.g. "Room 7".
    #[arg(long = "class")]
    pub class_name: String,
    /// The teacher's name as families know it.
    #[arg(long)]
    pub teacher: String,
    /// Where families' replies reach the teacher.
    #[arg(long)]
    pub teacher_email: String,
    /// The class's language (BCP 47), for the blog and as the fallback for families.
    #[arg(long, default_value = "en")]
    pub language: String,
    /// The class's time zone (IANA name).
    #[arg(long, default_value = "UTC")]
    pub timezone: String,
}

#[derive(Debug, Subcommand)]
pub enum RosterCmd {
    /// Import a roster CSV: all rows or none; re-importing the same file changes nothing.
    Import {
        /// The CSV file (UTF-8, as Excel or Google Sheets save it).
        file: PathBuf,
    },
    /// Export the roster as CSV, to FILE or to standard output.
    Export {
        /// Where to write; standard output if omitted.
        file: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum StudentCmd {
    /// List the students.
    List,
    /// Add a student.
    Add {
        #[arg(long)]
        first_name: String,
        #[arg(long, default_value = "")]
        last_name: String,
        /// A name to show families and the blog instead of the first name.
        #[arg(long)]
        pseudonym: Option<String>,
    },
    /// Change a student's names.
    Edit {
        /// The student's id or unique name.
        student: String,
        #[arg(long)]
        first_name: Option<String>,
        #[arg(long)]
        last_name: Option<String>,
        /// A pseudonym; an empty value removes it.
        #[arg(long)]
        pseudonym: Option<String>,
    },
    /// Erase a student: goals, evidence, consents, photos. The next sync removes every
    /// published trace.
    Remove {
        /// The student's id or unique name.
        student: String,
    },
}

#[derive(Debug, Args)]
pub struct ContactFieldsArgs {
    /// The contact's name, e.g. "Maria García".
    #[arg(long)]
    pub name: Option<String>,
    /// Their email address.
    #[arg(long)]
    pub email: Option<String>,
    /// Their language (BCP 47: en, es, mi, sm, zh-Hant, ...). Default: the class's.
    #[arg(long)]
    pub language: Option<String>,
    /// How they hear: email, weekly, paper, chat or none. Default: email if an address is
    /// given, else paper.
    #[arg(long)]
    pub channel: Option<String>,
}

impl ContactFieldsArgs {
    pub fn input(&self) -> ContactInput {
        ContactInput {
            name: self.name.clone(),
            email: self.email.clone(),
            language: self.language.clone(),
            channel: self.channel.clone(),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum ContactCmd {
    /// List the contacts and whom they hear about.
    List,
    /// Add a contact, optionally linked to a student.
    Add {
        #[command(flatten)]
        fields: ContactFieldsArgs,
        /// How they relate to the student: mother, grandfather, aunt, carer, ...
        #[arg(long, default_value = "")]
        relationship: String,
        /// The student they hear about (id or unique name).
        #[arg(long)]
        student: Option<String>,
    },
    /// Change a contact's details.
    Edit {
        /// The contact's id, email address or unique name.
        contact: String,
        #[command(flatten)]
        fields: ContactFieldsArgs,
    },
    /// Remove a contact.
    Remove {
        /// The contact's id, email address or unique name.
        contact: String,
    },
    /// Link a contact to (another) student.
    Link {
        contact: String,
        student: String,
        #[arg(long, default_value = "")]
        relationship: String,
    },
    /// Unlink a contact from a student.
    Unlink { contact: String, student: String },
    /// Record a contact made by hand (a phone call, a note in the reading notebook, ...)
    /// in the contact log.
    Log {
        /// The contact's id, email address or unique name.
        contact: String,
        /// phone, notebook, visit, meeting, chat or other.
        #[arg(long)]
        method: String,
        /// What it was about (at most 500 characters).
        #[arg(long, default_value = "")]
        note: String,
        /// When, in the class's time: "YYYY-MM-DD HH:MM" or "YYYY-MM-DD". Default: now.
        #[arg(long)]
        at: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConsentCmd {
    /// Record consent for one purpose: name_on_blog, photo_on_blog, blog or email_family.
    Set {
        /// The student's id or unique name.
        student: String,
        /// name_on_blog, photo_on_blog, blog or email_family.
        purpose: String,
        /// yes or no.
        answer: String,
        /// Who gave the answer, e.g. "Maria García (mother)".
        #[arg(long)]
        given_by: String,
    },
    /// Show every student's consents.
    List,
}

#[derive(Debug, Subcommand)]
pub enum GoalCmd {
    /// Add a goal for a student.
    Add {
        /// The student's id or unique name.
        #[arg(long)]
        student: String,
        /// "I can ..."
        #[arg(long)]
        title: String,
        #[arg(long, default_value = "")]
        subject: String,
        /// Make this the next goal of goal GOAL_ID.
        #[arg(long, value_name = "GOAL_ID")]
        next_of: Option<GoalId>,
    },
    /// List goals, of one student or of everyone.
    List {
        #[arg(long)]
        student: Option<String>,
    },
    /// Mark a goal achieved by hand, without evidence.
    Achieve { goal: GoalId },
    /// List the goal titles kept from earlier years (`class archive`), to reuse.
    Suggestions,
}

#[derive(Debug, Subcommand)]
pub enum EvidenceCmd {
    /// Add evidence: a photo and the student's own words; it then waits for review.
    Add {
        #[arg(long)]
        student: String,
        #[arg(long)]
        goal: GoalId,
        #[arg(long)]
        photo: Option<PathBuf>,
        /// What the student says they learned.
        #[arg(long, default_value = "")]
        words: String,
        /// A message from the student to their family.
        #[arg(long, default_value = "")]
        message: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum PhotoCmd {
    /// Make the missing web copies (web, email, thumbnail) of every approved photo; a sync
    /// does this too.
    Copies,
}

#[derive(Debug, Subcommand)]
pub enum ReviewCmd {
    /// List evidence waiting for review.
    List {
        /// Show all evidence, not only what waits.
        #[arg(long)]
        all: bool,
    },
    /// Approve evidence by id, or with --all everything waiting whose words name no one the
    /// blog must not show (`review list` points those out).
    Approve {
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        ids: Vec<EvidenceId>,
        #[arg(long)]
        all: bool,
    },
    /// Return evidence to the student with a reason.
    Return {
        id: EvidenceId,
        #[arg(long)]
        reason: String,
    },
    /// Correct a student's words or family message before approving.
    Edit {
        id: EvidenceId,
        #[arg(long)]
        words: Option<String>,
        #[arg(long)]
        message: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum SharingCmd {
    /// Plan a sharing time (local time of the class).
    Add {
        /// Start, as "YYYY-MM-DD HH:MM".
        #[arg(long)]
        at: String,
        /// End, as "YYYY-MM-DD HH:MM" or "HH:MM".
        #[arg(long)]
        until: Option<String>,
        #[arg(long)]
        title: String,
        /// Where families come in, e.g. "Room 7". Told to families in their email and on
        /// their slip; never shown on the public blog.
        #[arg(long, default_value = "")]
        place: String,
    },
    /// Change a sharing time: families already invited get an update (same calendar
    /// entry), the others an invitation with the new details, at the next sync.
    Edit {
        id: i64,
        /// New start, as "YYYY-MM-DD HH:MM" (the end moves with it unless --until is given).
        #[arg(long)]
        at: Option<String>,
        /// New end, as "YYYY-MM-DD HH:MM" or "HH:MM"; "none" removes it.
        #[arg(long)]
        until: Option<String>,
        #[arg(long)]
        title: Option<String>,
        /// Where families come in (told only in private messages, never on the blog).
        #[arg(long)]
        place: Option<String>,
    },
    /// List upcoming sharing times.
    List,
    /// Cancel a sharing time: families who were invited are told at the next sync.
    Cancel { id: i64 },
    /// Cancel a sharing time (the same as `cancel`).
    Remove { id: i64 },
}

#[derive(Debug, Subcommand)]
pub enum BlogCmd {
    /// Write the blog folder from the database: only changed files are written, files
    /// that should no longer exist are removed, and other files are never touched.
    Build,
    /// Print the blog folder (setting blog.dir, else <data folder>/blog).
    Path,
    /// Print the theme folder (<data folder>/theme) and write reference copies of the
    /// built-in templates and style sheet into its built-in/ folder, to copy and edit.
    Theme,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCmd {
    /// List every setting with its value and what it does.
    List,
    /// Print one setting's value.
    Get { key: String },
    /// Check and store a setting; an empty VALUE returns it to its default.
    Set { key: String, value: String },
}

#[derive(Debug, Subcommand)]
pub enum MailCmd {
    /// Queue what is due (emails, weekly digests, paper slips) and deliver it. Without a
    /// mail server (smtp.url), messages are written as .eml files to <data folder>/outbox/.
    Send,
    /// Send a test message to ADDRESS through the configured mail server.
    Test { address: String },
    /// List deliveries: waiting, failed and sent.
    Outbox {
        /// Also list deliveries already sent.
        #[arg(long)]
        all: bool,
    },
    /// Store the mail server's password in the OS keyring, read from standard input.
    Password,
    /// Queue failed deliveries again (after fixing an address, for example).
    Retry {
        /// Delivery ids from `goalpost mail outbox`.
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        ids: Vec<i64>,
        /// Every failed delivery.
        #[arg(long)]
        all: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ChatCmd {
    /// List the chat texts to send, each with its delivery id, the text and the photo
    /// file to attach. Goalpost talks to no chat service: paste them yourself.
    List,
    /// Mark chat texts sent (by delivery id from `goalpost chat list`): the family counts as
    /// reached, in the contact log.
    Sent {
        #[arg(required = true)]
        ids: Vec<i64>,
    },
}

#[derive(Debug, Subcommand)]
pub enum PrintCmd {
    /// Write a printable goal sheet for a student (or, with --all, for every student, one
    /// A4/Letter page each in one file) into <data folder>/print/.
    GoalSheet {
        /// The student's id or unique name.
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        student: Option<String>,
        /// Every student of the class, one page each.
        #[arg(long)]
        all: bool,
        /// The language of the sheet. Default: the family's (the first contact's, else the
        /// class's).
        #[arg(long)]
        language: Option<String>,
    },
}

/// `goalpost note`: a child's own note to their family (issue 16, part 2).
#[derive(Debug, Subcommand)]
pub enum NoteCmd {
    /// List the notes waiting for review.
    List {
        /// Show every note, not only what waits.
        #[arg(long)]
        all: bool,
    },
    /// Add a note from a child to their own family, as the station does; it waits for
    /// review.
    Add {
        /// The student's id or unique name.
        #[arg(long)]
        student: String,
        /// The child's words (at most 140 characters).
        #[arg(long)]
        text: String,
    },
    /// Approve notes by id, or every waiting note with --all: the next sync sends each to
    /// its child's contacts.
    Approve {
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        ids: Vec<i64>,
        #[arg(long)]
        all: bool,
    },
    /// Reject notes by id: they never leave this PC.
    Reject {
        #[arg(required = true)]
        ids: Vec<i64>,
    },
}
