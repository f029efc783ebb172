//! The `goalpost` command line: one thin function per subcommand over the core.
//!
//! The desktop binary runs the same commands (`goalpost-desktop sync`), so a school installs
//! one program. Errors are printed as one readable line (plus the bad rows of a roster) and
//! give a non-zero exit; nothing is half-done, because every core operation is one transaction.

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::*;
use crate::{class::ContactInput, Clock, Goalpost};

mod output;
use output::Table;

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
    /// Write a consistent copy of the class database to FILE (safe while the app runs).
    Backup {
        /// Where to write the backup.
        file: PathBuf,
    },
    /// Replace the class database with a backup (the current one is kept in backups/).
    Restore {
        /// A file made with `goalpost backup`.
        file: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The school's name.
    #[arg(long)]
    school: String,
    /// The class's name, e.g. "Room 7".
    #[arg(long = "class")]
    class_name: String,
    /// The teacher's name as families know it.
    #[arg(long)]
    teacher: String,
    /// Where families' replies reach the teacher.
    #[arg(long)]
    teacher_email: String,
    /// The class's language (BCP 47), for the blog and as the fallback for families.
    #[arg(long, default_value = "en")]
    language: String,
    /// The class's time zone (IANA name).
    #[arg(long, default_value = "UTC")]
    timezone: String,
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
    name: Option<String>,
    /// Their email address.
    #[arg(long)]
    email: Option<String>,
    /// Their language (BCP 47: en, es, mi, sm, zh-Hant, ...). Default: the class's.
    #[arg(long)]
    language: Option<String>,
    /// How they hear: email, weekly, paper or none. Default: email if an address is given,
    /// else paper.
    #[arg(long)]
    channel: Option<String>,
}

impl ContactFieldsArgs {
    fn input(&self) -> ContactInput {
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
    /// List upcoming sharing times.
    List,
    /// Cancel a sharing time.
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
pub enum PrintCmd {
    /// Write a printable goal sheet for a student into <data folder>/print/.
    GoalSheet {
        /// The student's id or unique name.
        student: String,
        /// The language of the sheet. Default: the family's.
        #[arg(long)]
        language: Option<String>,
    },
}

/// Runs the CLI with the process's arguments.
pub fn main() -> ExitCode {
    run_from(std::env::args_os())
}

/// Runs the CLI with the given arguments (the first is the program name).
pub fn run_from<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let json = cli.json;
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if json {
                let _ = writeln!(
                    std::io::stderr(),
                    "{}",
                    serde_json::to_string(&crate::error::ErrorReport::from(&e)).unwrap_or_default()
                );
            } else {
                let _ = writeln!(std::io::stderr(), "error: {e}");
            }
            ExitCode::FAILURE
        }
    }
}

struct Ctx {
    data_dir: PathBuf,
    json: bool,
    clock: Clock,
}

impl Ctx {
    fn open(&self) -> Result<Goalpost> {
        Ok(Goalpost::open(&self.data_dir)?.with_clock(self.clock))
    }

    /// Opens and checks that the class exists, for every command but init and demo.
    fn class(&self) -> Result<Goalpost> {
        let gp = self.open()?;
        gp.class()?;
        Ok(gp)
    }

    fn print<T: Serialize>(&self, value: &T, text: impl FnOnce() -> String) -> Result<()> {
        let s = if self.json {
            serde_json::to_string_pretty(value)?
        } else {
            text()
        };
        let mut out = std::io::stdout().lock();
        // A closed pipe (`goalpost student list | head`) is not an error worth a message.
        let _ = writeln!(out, "{}", s.trim_end());
        Ok(())
    }
}

fn run(cli: Cli) -> Result<()> {
    let ctx = Ctx {
        data_dir: crate::resolve_data_dir(cli.data_dir)?,
        json: cli.json,
        clock: Clock::from_env()?,
    };
    match cli.command {
        Command::Init(a) => init(&ctx, a),
        Command::Roster(c) => roster(&ctx, c),
        Command::Student(c) => student(&ctx, c),
        Command::Contact(c) => contact(&ctx, c),
        Command::Consent(c) => consent(&ctx, c),
        Command::Goal(c) => goal(&ctx, c),
        Command::Evidence(c) => evidence(&ctx, c),
        Command::Review(c) => review(&ctx, c),
        Command::Photo(c) => photo(&ctx, c),
        Command::Sharing(c) => sharing(&ctx, c),
        Command::Demo { students } => demo(&ctx, students),
        Command::Config(c) => config(&ctx, c),
        Command::Sync { dry_run } => sync(&ctx, dry_run),
        Command::Blog(c) => blog(&ctx, c),
        Command::Mail(c) => mail(&ctx, c),
        Command::Print(PrintCmd::GoalSheet { student, language }) => {
            let gp = ctx.class()?;
            let s = gp.find_student(&student)?;
            let path = gp.print_goal_sheet(s.id, language.as_deref())?;
            ctx.print(&serde_json::json!({ "file": path }), || {
                format!(
                    "Wrote {}'s goal sheet to {}",
                    s.display_name,
                    path.display()
                )
            })
        }
        Command::Backup { file } => {
            ctx.class()?.backup(&file)?;
            ctx.print(&serde_json::json!({ "backup": file }), || {
                format!("Backed up the class to {}", file.display())
            })
        }
        Command::Restore { file } => {
            let mut gp = ctx.open()?;
            let r = gp.restore(&file)?;
            ctx.print(&r, || {
                let mut out = format!(
                    "Restored {}. The database it replaced is kept at {}",
                    r.restored_from.display(),
                    r.previous_saved_to.display()
                );
                if !r.erased_again.is_empty() {
                    out.push_str(&format!(
                        "\n{} students erased since that backup was taken were erased again (ids {}).",
                        r.erased_again.len(),
                        r.erased_again.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(", ")
                    ));
                }
                out
            })
        }
    }
}

fn init(ctx: &Ctx, a: InitArgs) -> Result<()> {
    let gp = Goalpost::create(&ctx.data_dir)?.with_clock(ctx.clock);
    let c = gp.init_class(&ClassInfo {
        school: a.school,
        class_name: a.class_name,
        teacher: a.teacher,
        teacher_email: a.teacher_email,
        language: a.language,
        timezone: a.timezone,
    })?;
    ctx.print(&c, || {
        format!(
            "Created {} at {} in {}.\nNext: `goalpost roster import FILE.csv` or `goalpost student add`.",
            c.class_name,
            c.school,
            ctx.data_dir.display()
        )
    })
}

fn demo(ctx: &Ctx, students: usize) -> Result<()> {
    let gp = Goalpost::create(&ctx.data_dir)?.with_clock(ctx.clock);
    let r = gp.create_demo(students)?;
    ctx.print(&r, || {
        format!(
            "Made a demo class in {}: {} students, {} contacts, {} goals, {} approved and {} waiting evidence.",
            ctx.data_dir.display(),
            r.students,
            r.contacts,
            r.goals,
            r.evidence_approved,
            r.evidence_waiting
        )
    })
}

fn roster(ctx: &Ctx, c: RosterCmd) -> Result<()> {
    let gp = ctx.class()?;
    match c {
        RosterCmd::Import { file } => {
            let r = gp.import_roster_file(&file)?;
            ctx.print(&r, || {
                if r.changed_anything() {
                    format!(
                        "Imported {} rows: {} students added, {} updated; {} contacts added, {} updated; {} links and {} consents changed.{}",
                        r.rows, r.students_added, r.students_updated, r.contacts_added,
                        r.contacts_updated, r.links_changed, r.consents_changed,
                        queued_again(r.emails_queued_again)
                    )
                } else {
                    format!("Imported {} rows: nothing changed.", r.rows)
                }
            })
        }
        RosterCmd::Export { file: Some(path) } => {
            let mut buf = Vec::new();
            gp.export_roster(&mut buf)?;
            crate::fsutil::write_atomic(&path, &buf)?;
            if !ctx.json {
                eprintln!("Wrote the roster to {}", path.display());
            }
            Ok(())
        }
        RosterCmd::Export { file: None } => {
            let mut out = std::io::stdout().lock();
            gp.export_roster(&mut out)
        }
    }
}

fn student(ctx: &Ctx, c: StudentCmd) -> Result<()> {
    let gp = ctx.class()?;
    match c {
        StudentCmd::List => {
            let list = gp.students()?;
            ctx.print(&list, || {
                let mut t = Table::new(["id", "first name", "last name", "shown as"]);
                for s in &list {
                    t.row([s.id.to_string(), s.first_name.clone(), s.last_name.clone(), s.display_name.clone()]);
                }
                t.render_or("No students yet: add them with `goalpost roster import` or `goalpost student add`.")
            })
        }
        StudentCmd::Add {
            first_name,
            last_name,
            pseudonym,
        } => {
            let s = gp.add_student(&first_name, &last_name, pseudonym.as_deref())?;
            ctx.print(&s, || {
                format!(
                    "Added {} (id {}), shown as {}",
                    full_name(&s),
                    s.id,
                    s.display_name
                )
            })
        }
        StudentCmd::Edit {
            student,
            first_name,
            last_name,
            pseudonym,
        } => {
            let id = gp.find_student(&student)?.id;
            let s = gp.edit_student(
                id,
                first_name.as_deref(),
                last_name.as_deref(),
                pseudonym.as_deref(),
            )?;
            ctx.print(&s, || {
                format!(
                    "Updated {} (id {}), shown as {}",
                    full_name(&s),
                    s.id,
                    s.display_name
                )
            })
        }
        StudentCmd::Remove { student } => {
            let s = gp.find_student(&student)?;
            let r = gp.remove_student(s.id)?;
            ctx.print(&r, || {
                format!(
                    "Erased {} (id {}): {} evidence, {} photos and {} emails in the outbox folder removed. Run a sync to remove them from the blog.",
                    full_name(&s), s.id, r.evidence, r.photos, r.emails_removed
                )
            })
        }
    }
}

fn full_name(s: &Student) -> String {
    format!("{} {}", s.first_name, s.last_name)
        .trim()
        .to_string()
}

fn contact(ctx: &Ctx, c: ContactCmd) -> Result<()> {
    let gp = ctx.class()?;
    let show = |c: &Contact| {
        format!(
            "{} (id {}): {}, {}, {}",
            c.name,
            c.id,
            c.email.as_deref().unwrap_or("no email"),
            c.language,
            c.channel
        )
    };
    match c {
        ContactCmd::List => {
            let list = gp.contacts()?;
            ctx.print(&list, || {
                let mut t =
                    Table::new(["id", "name", "email", "language", "channel", "hears about"]);
                for c in &list {
                    let about = c
                        .students
                        .iter()
                        .map(|l| {
                            if l.relationship.is_empty() {
                                l.display_name.clone()
                            } else {
                                format!("{} ({})", l.display_name, l.relationship)
                            }
                        })
                        .collect::<Vec<_>>()
                        .join(", ");
                    let email = match (&c.email, &c.email_error) {
                        (Some(e), Some(_)) => format!("{e} (REFUSED)"),
                        (Some(e), None) => e.clone(),
                        (None, _) => "-".into(),
                    };
                    t.row([
                        c.id.to_string(),
                        c.name.clone(),
                        email,
                        c.language.clone(),
                        c.channel.to_string(),
                        about,
                    ]);
                }
                t.render_or("No contacts yet.")
            })
        }
        ContactCmd::Add {
            fields,
            relationship,
            student,
        } => {
            let sid = student
                .map(|s| gp.find_student(&s))
                .transpose()?
                .map(|s| s.id);
            let c = gp.add_contact(&fields.input(), sid.map(|id| (id, relationship.as_str())))?;
            ctx.print(&c, || format!("Added {}", show(&c)))
        }
        ContactCmd::Edit { contact, fields } => {
            let id = gp.find_contact(&contact)?.id;
            let e = gp.edit_contact(id, &fields.input())?;
            ctx.print(&e, || {
                let mut out = format!("Updated {}", show(&e.contact));
                out.push_str(&queued_again(e.emails_queued_again));
                out
            })
        }
        ContactCmd::Remove { contact } => {
            let c = gp.find_contact(&contact)?;
            gp.remove_contact(c.id)?;
            ctx.print(&serde_json::json!({ "removed": c.id }), || {
                format!("Removed {} (id {})", c.name, c.id)
            })
        }
        ContactCmd::Link {
            contact,
            student,
            relationship,
        } => {
            let cid = gp.find_contact(&contact)?.id;
            let s = gp.find_student(&student)?;
            let c = gp.link_contact(cid, s.id, &relationship)?;
            ctx.print(&c, || {
                format!("{} now hears about {}", c.name, s.display_name)
            })
        }
        ContactCmd::Unlink { contact, student } => {
            let cid = gp.find_contact(&contact)?.id;
            let s = gp.find_student(&student)?;
            let c = gp.unlink_contact(cid, s.id)?;
            ctx.print(&c, || {
                format!("{} no longer hears about {}", c.name, s.display_name)
            })
        }
    }
}

fn parse_yes_no(s: &str) -> Result<bool> {
    match s.trim().to_lowercase().as_str() {
        "yes" | "y" => Ok(true),
        "no" | "n" => Ok(false),
        _ => Err(Error::invalid(format!(
            "{s:?} is not an answer: write yes or no"
        ))),
    }
}

fn consent(ctx: &Ctx, c: ConsentCmd) -> Result<()> {
    let gp = ctx.class()?;
    match c {
        ConsentCmd::Set {
            student,
            purpose,
            answer,
            given_by,
        } => {
            let purpose: Purpose = purpose.parse()?;
            let granted = parse_yes_no(&answer)?;
            let s = gp.find_student(&student)?;
            let set = gp.set_consent(s.id, purpose, granted, &given_by)?;
            ctx.print(&set, || {
                format!(
                    "{}: {} = {} (given by {})",
                    s.display_name,
                    purpose,
                    if granted { "yes" } else { "no" },
                    given_by.trim()
                )
            })
        }
        ConsentCmd::List => {
            #[derive(Serialize)]
            struct Row {
                student_id: StudentId,
                display_name: String,
                consents: ConsentSet,
            }
            let rows: Vec<Row> = gp
                .students()?
                .into_iter()
                .map(|s| {
                    Ok(Row {
                        consents: gp.consents(s.id)?,
                        student_id: s.id,
                        display_name: s.display_name,
                    })
                })
                .collect::<Result<_>>()?;
            ctx.print(&rows, || {
                let mut t = Table::new([
                    "id",
                    "student",
                    "blog",
                    "name on blog",
                    "photo on blog",
                    "email family",
                ]);
                for r in &rows {
                    let a = |p| match r.consents.get(p) {
                        Some(c) if c.granted => "yes",
                        Some(_) => "no",
                        None => "not asked",
                    };
                    t.row([
                        r.student_id.to_string(),
                        r.display_name.clone(),
                        a(Purpose::Blog).into(),
                        a(Purpose::NameOnBlog).into(),
                        a(Purpose::PhotoOnBlog).into(),
                        a(Purpose::EmailFamily).into(),
                    ]);
                }
                t.render_or("No students yet.")
            })
        }
    }
}

fn goal(ctx: &Ctx, c: GoalCmd) -> Result<()> {
    let gp = ctx.class()?;
    match c {
        GoalCmd::Add {
            student,
            title,
            subject,
            next_of,
        } => {
            let s = gp.find_student(&student)?;
            let g = gp.add_goal(s.id, &title, &subject, next_of)?;
            ctx.print(&g, || {
                format!("Added goal {} for {}: {}", g.id, s.display_name, g.title)
            })
        }
        GoalCmd::List { student } => {
            let sid = student
                .map(|s| gp.find_student(&s))
                .transpose()?
                .map(|s| s.id);
            let goals = gp.goals(sid)?;
            let students = gp.students()?;
            ctx.print(&goals, || {
                let mut t = Table::new(["id", "student", "subject", "goal", "status", "next"]);
                for g in &goals {
                    let who = students
                        .iter()
                        .find(|s| s.id == g.student_id)
                        .map(|s| s.display_name.clone())
                        .unwrap_or_default();
                    t.row([
                        g.id.to_string(),
                        who,
                        g.subject.clone(),
                        g.title.clone(),
                        g.status.as_str().into(),
                        g.next_goal_id.map(|n| n.to_string()).unwrap_or_default(),
                    ]);
                }
                t.render_or("No goals yet: add one with `goalpost goal add`.")
            })
        }
        GoalCmd::Achieve { goal } => {
            let g = gp.set_goal_status(goal, GoalStatus::Achieved)?;
            ctx.print(&g, || format!("Goal {} achieved: {}", g.id, g.title))
        }
    }
}

fn evidence(ctx: &Ctx, c: EvidenceCmd) -> Result<()> {
    let gp = ctx.class()?;
    match c {
        EvidenceCmd::Add {
            student,
            goal,
            photo,
            words,
            message,
        } => {
            let s = gp.find_student(&student)?;
            let e = gp.add_evidence(s.id, goal, photo.as_deref(), &words, &message)?;
            ctx.print(&e, || {
                format!(
                    "Evidence {} from {} waits for review.",
                    e.id, s.display_name
                )
            })
        }
    }
}

fn photo(ctx: &Ctx, c: PhotoCmd) -> Result<()> {
    let gp = ctx.class()?;
    match c {
        PhotoCmd::Copies => {
            let list = gp.copies_for_approved()?;
            let dir = crate::photo::copies_dir(gp.data_dir());
            ctx.print(&list, || {
                format!(
                    "Web copies of {} approved photos are ready in {}.",
                    list.len(),
                    dir.display()
                )
            })
        }
    }
}

fn review(ctx: &Ctx, c: ReviewCmd) -> Result<()> {
    let gp = ctx.class()?;
    match c {
        ReviewCmd::List { all } => {
            let list = gp.evidence_list((!all).then_some(ReviewStatus::Waiting))?;
            ctx.print(&list, || {
                let mut t = Table::new(["id", "student", "goal", "status", "words"]);
                for v in &list {
                    t.row([
                        v.evidence.id.to_string(),
                        v.display_name.clone(),
                        v.goal_title.clone(),
                        v.evidence.status.as_str().into(),
                        v.evidence.words.replace('\n', " "),
                    ]);
                }
                let mut out = t.render_or("Nothing waits for review.");
                for v in &list {
                    for m in &v.mentions {
                        out.push_str(&format!(
                            "\nCheck evidence {} before approving: {:?} {}. Edit the words with `goalpost review edit {} --words ...`.",
                            v.evidence.id,
                            m.found,
                            match m.reason {
                                crate::mentions::MentionReason::LastName => "is a last name, which the blog never shows".to_string(),
                                crate::mentions::MentionReason::NoBlogConsent => format!("names {}, whose family has not agreed to the blog", m.name),
                                crate::mentions::MentionReason::NoNameConsent => format!("names {}, whose family has not agreed to their name on the blog", m.name),
                            },
                            v.evidence.id
                        ));
                    }
                }
                out
            })
        }
        ReviewCmd::Approve { ids, all } => {
            let done = if all {
                gp.approve_all()?
            } else {
                gp.approve(&ids)?
            };
            // What --all left: said on stderr too, so that a script's JSON stays an array.
            let left: Vec<String> = if all {
                gp.evidence_list(Some(ReviewStatus::Waiting))?
                    .iter()
                    .filter(|v| !v.mentions.is_empty())
                    .map(|v| v.evidence.id.to_string())
                    .collect()
            } else {
                Vec::new()
            };
            let left_note = (!left.is_empty()).then(|| {
                format!(
                    "Left for a look: evidence {} (the words name someone the blog must not show: see `goalpost review list`). Correct the words with `goalpost review edit`, or approve by id once checked.",
                    left.join(", ")
                )
            });
            if ctx.json {
                if let Some(n) = &left_note {
                    eprintln!("{n}");
                }
            }
            ctx.print(&done, || {
                let mut out = match done.len() {
                    0 => "Nothing waited for review.".to_string(),
                    n => format!(
                        "Approved {n}: {}. The next sync sends them home.",
                        done.iter()
                            .map(|e| e.id.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                if let Some(n) = &left_note {
                    if done.is_empty() {
                        out.clear();
                    } else {
                        out.push('\n');
                    }
                    out.push_str(n);
                }
                out
            })
        }
        ReviewCmd::Return { id, reason } => {
            let e = gp.return_evidence(id, &reason)?;
            ctx.print(&e, || {
                format!(
                    "Returned evidence {} with the reason: {}",
                    e.id,
                    reason.trim()
                )
            })
        }
        ReviewCmd::Edit { id, words, message } => {
            let e = gp.edit_evidence_text(id, words.as_deref(), message.as_deref())?;
            ctx.print(&e, || format!("Updated evidence {}", e.id))
        }
    }
}

fn parse_local(s: &str, date_of: Option<chrono::NaiveDate>) -> Result<chrono::NaiveDateTime> {
    let s = s.trim();
    for f in ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, f) {
            return Ok(t);
        }
    }
    if let (Some(d), Ok(t)) = (date_of, chrono::NaiveTime::parse_from_str(s, "%H:%M")) {
        return Ok(d.and_time(t));
    }
    Err(Error::invalid(format!(
        "{s:?} is not a time: write it as \"2026-11-26 14:30\""
    )))
}

fn sharing(ctx: &Ctx, c: SharingCmd) -> Result<()> {
    let gp = ctx.class()?;
    match c {
        SharingCmd::Add {
            at,
            until,
            title,
            place,
        } => {
            let start = parse_local(&at, None)?;
            let end = until
                .map(|u| parse_local(&u, Some(start.date())))
                .transpose()?;
            let s = gp.add_sharing_time(start, end, &title, &place)?;
            ctx.print(&s, || {
                format!("Planned sharing time {}: {} at {}", s.id, s.title, start)
            })
        }
        SharingCmd::List => {
            let list = gp.upcoming_sharing_times()?;
            let tz: chrono_tz::Tz = gp.class()?.timezone.parse().unwrap_or(chrono_tz::UTC);
            ctx.print(&list, || {
                let mut t = Table::new(["id", "when", "title", "place"]);
                for s in &list {
                    t.row([
                        s.id.to_string(),
                        s.starts_at
                            .with_timezone(&tz)
                            .format("%a %e %b %Y %H:%M")
                            .to_string(),
                        s.title.clone(),
                        s.place.clone(),
                    ]);
                }
                t.render_or("No sharing times planned: add one with `goalpost sharing add`.")
            })
        }
        SharingCmd::Remove { id } => {
            gp.remove_sharing_time(id)?;
            ctx.print(&serde_json::json!({ "removed": id }), || {
                format!("Cancelled sharing time {id}")
            })
        }
    }
}

fn config(ctx: &Ctx, c: ConfigCmd) -> Result<()> {
    let gp = ctx.class()?;
    match c {
        ConfigCmd::List => {
            let list = gp.settings()?;
            ctx.print(&list, || {
                let mut out = String::new();
                for s in &list {
                    out.push_str(&format!(
                        "{} = {}{}\n    {}\n",
                        s.key,
                        s.value.as_deref().unwrap_or("(not set)"),
                        if s.is_default && s.value.is_some() {
                            " (default)"
                        } else {
                            ""
                        },
                        s.help
                    ));
                }
                out
            })
        }
        ConfigCmd::Get { key } => {
            let v = gp.setting(&key)?;
            ctx.print(&serde_json::json!({ "key": key, "value": v }), || {
                v.clone().unwrap_or_default()
            })
        }
        ConfigCmd::Set { key, value } => {
            let v = gp.set_setting(&key, &value)?;
            ctx.print(&serde_json::json!({ "key": key, "value": v }), || {
                format!("{key} = {}", v.as_deref().unwrap_or("(not set)"))
            })
        }
    }
}

fn mail(ctx: &Ctx, c: MailCmd) -> Result<()> {
    let gp = ctx.class()?;
    match c {
        MailCmd::Send => {
            let json = ctx.json;
            let s = gp.mail_send(&mut |p| {
                if !json {
                    if let crate::mail::Progress::Sending { done, total } = p {
                        if done % 25 == 0 && total > 25 {
                            eprintln!("sending {done}/{total}...");
                        }
                    }
                }
            })?;
            ctx.print(&s, || mail_summary_text(&s))?;
            match s.stopped {
                Some(why) => Err(Error::Mail(format!(
                    "sending stopped: {why}. Nothing is lost: what was not sent stays queued for the next run."
                ))),
                None => Ok(()),
            }
        }
        MailCmd::Test { address } => {
            let r = gp.mail_test(&address)?;
            ctx.print(&r, || match &r.file {
                Some(f) => format!(
                    "No mail server is set (smtp.url): the test message was written to {}. Open it with a mail program.",
                    f.display()
                ),
                None => format!("The mail server {} accepted a test message to {}.", r.transport, r.to),
            })
        }
        MailCmd::Outbox { all } => {
            let list = gp.mail_outbox(!all)?;
            ctx.print(&list, || {
                let mut t = Table::new([
                    "id",
                    "contact",
                    "kind",
                    "status",
                    "tries",
                    "next try",
                    "last error",
                ]);
                for e in &list {
                    let d = &e.delivery;
                    t.row([
                        d.id.to_string(),
                        e.contact.clone(),
                        d.kind.as_str().into(),
                        d.status.as_str().into(),
                        d.attempts.to_string(),
                        d.next_attempt_at
                            .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                            .unwrap_or_default(),
                        d.last_error.clone().unwrap_or_default(),
                    ]);
                }
                t.render_or(if all {
                    "The outbox is empty."
                } else {
                    "Nothing waits and nothing failed."
                })
            })
        }
        MailCmd::Password => {
            let mut pw = String::new();
            std::io::stdin()
                .read_line(&mut pw)
                .map_err(|e| Error::io("read the password from", "standard input", e))?;
            let who = gp.mail_store_password(pw.trim_end_matches(['\r', '\n']))?;
            ctx.print(&serde_json::json!({ "stored_for": who }), || {
                format!("Stored the password for {who} in the OS keyring.")
            })
        }
        MailCmd::Retry { ids, all } => {
            let n = gp.mail_retry(if all { &[] } else { &ids })?;
            ctx.print(&serde_json::json!({ "queued": n }), || {
                format!("Queued {n} deliveries again; `goalpost mail send` sends them.")
            })
        }
    }
}

fn mail_summary_text(s: &crate::mail::MailSummary) -> String {
    let mut out = format!(
        "Queued {} emails, {} weekly digests and {} slips.\nSent {} emails and {} digests via {}; wrote {} slips.",
        s.queued.emails, s.queued.digests, s.queued.slips, s.sent, s.digests, s.transport, s.slips
    );
    for f in &s.print_files {
        out.push_str(&format!("\nSlips to print: {}", f.display()));
    }
    if s.retries_waiting > 0 {
        out.push_str(&format!(
            "\n{} waiting to be tried again ({} with an unknown outcome, to be resent with the same Message-ID).",
            s.retries_waiting, s.unknown_outcomes
        ));
    }
    if s.interrupted > 0 {
        out.push_str(&format!(
            "\n{} were interrupted by an earlier run and were sent again.",
            s.interrupted
        ));
    }
    if s.waiting_for_photos > 0 {
        out.push_str(&format!(
            "\n{} wait for photo copies (a sync makes them).",
            s.waiting_for_photos
        ));
    }
    for f in &s.failures {
        out.push_str(&format!("\nFAILED for {}: {}", f.contact, f.reason));
    }
    for u in &s.unreachable {
        out.push_str(&format!("\nCannot reach {}: {}", u.contact, u.reason));
    }
    for f in &s.language_fallbacks {
        out.push_str(&format!(
            "\n{} reads {}, which has no catalog yet: sent in {}. Add <data folder>/i18n/{}/mail.ftl to fix.",
            f.contact, f.wanted, f.used, f.wanted
        ));
    }
    out
}

fn blog(ctx: &Ctx, c: BlogCmd) -> Result<()> {
    let gp = ctx.class()?;
    match c {
        BlogCmd::Build => {
            let r = crate::blog::build_with_copies(&gp)?;
            for w in &r.warnings {
                eprintln!("warning: {w}");
            }
            #[derive(Serialize)]
            struct Summary<'a> {
                dir: &'a std::path::Path,
                pages: usize,
                media: usize,
                rendered: usize,
                written: usize,
                unchanged: usize,
                removed: usize,
                written_files: &'a [String],
                removed_files: &'a [String],
                warnings: &'a [String],
            }
            let summary = Summary {
                dir: &r.dir,
                pages: r.pages,
                media: r.media,
                rendered: r.rendered,
                written: r.written.len(),
                unchanged: r.unchanged,
                removed: r.removed.len(),
                written_files: &r.written,
                removed_files: &r.removed,
                warnings: &r.warnings,
            };
            ctx.print(&summary, || {
                format!(
                    "Built the class blog in {}: {} written, {} unchanged, {} removed.\nOpen {} in a browser to see it.",
                    r.dir.display(),
                    r.written.len(),
                    r.unchanged,
                    r.removed.len(),
                    r.dir.join("index.html").display()
                )
            })
        }
        BlogCmd::Path => {
            let dir = gp.blog_dir()?;
            ctx.print(&serde_json::json!({ "dir": dir }), || {
                dir.display().to_string()
            })
        }
        BlogCmd::Theme => {
            let dir = gp.folder(crate::teacher::Folder::Theme)?;
            let reference = dir.join(crate::blog::THEME_REFERENCE_DIR);
            ctx.print(
                &serde_json::json!({ "dir": dir, "reference": reference }),
                || {
                    format!(
                        "{}\nThe built-in templates are in {} for reference: copy one up into the theme folder to change it.",
                        dir.display(),
                        reference.display()
                    )
                },
            )
        }
    }
}

fn sync(ctx: &Ctx, dry_run: bool) -> Result<()> {
    use std::io::IsTerminal;
    let gp = ctx.class()?;
    let bar = (!ctx.json && std::io::stderr().is_terminal()).then(|| {
        let b = indicatif::ProgressBar::new(6);
        b.set_style(
            indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    });
    let quiet = ctx.json;
    let s = gp.sync(dry_run, &mut |e| match (&bar, e) {
        (Some(b), crate::sync::Event::Step { step, index, .. }) => {
            b.set_position(index as u64 - 1);
            b.set_message(step.label());
        }
        (Some(b), crate::sync::Event::Sending { done, total }) => {
            b.set_message(format!("Sending to families {done}/{total}"));
        }
        (None, crate::sync::Event::Step { step, index, of }) if !quiet => {
            eprintln!("[{index}/{of}] {}", step.label());
        }
        _ => {}
    })?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    ctx.print(&s, || sync_summary_text(&s))?;
    if let Some(why) = s.mail.as_ref().and_then(|m| m.stopped.clone()) {
        return Err(Error::Mail(format!(
            "sending stopped: {why}. Nothing is lost: what was not sent stays queued for the next sync."
        )));
    }
    match &s.publish {
        Some(p) if !p.ok => Err(Error::invalid(format!(
            "the blog was built but the publish command failed (exit {}): check blog.publish_command; the next sync runs it again",
            p.exit_code.map(|c| c.to_string()).unwrap_or_else(|| "by a signal".into())
        ))),
        _ => Ok(()),
    }
}

fn sync_summary_text(s: &crate::sync::SyncSummary) -> String {
    let b = &s.blog;
    let mut out = if s.dry_run {
        format!(
            "Dry run: nothing was changed.\nThe blog would get {} new posts: {} files written, {} removed ({}).",
            s.new_posts,
            b.written.len(),
            b.removed.len(),
            b.dir.display()
        )
    } else {
        format!(
            "Blog: {} new posts, {} files written, {} unchanged, {} removed ({}).",
            s.new_posts,
            b.written.len(),
            b.unchanged,
            b.removed.len(),
            b.dir.display()
        )
    };
    if let Some(p) = &s.publish {
        out.push_str(&format!(
            "\nPublished with `{}`: {}",
            p.command,
            if p.ok {
                "ok".to_string()
            } else {
                format!("FAILED (exit {:?}): {}", p.exit_code, p.output.trim())
            }
        ));
    }
    if let Some(m) = &s.mail {
        out.push('\n');
        out.push_str(&mail_summary_text(m));
    }
    for f in &s.families {
        out.push_str(&format!(
            "\n{} ({}, {}{}):",
            f.contact,
            f.channel,
            f.language_used,
            if f.language_used != f.language {
                format!(", asked for {}", f.language)
            } else {
                String::new()
            }
        ));
        for d in &f.deliveries {
            let items: Vec<String> = d
                .items
                .iter()
                .map(|i| {
                    format!(
                        "{}: {}{}",
                        i.student,
                        i.goal,
                        if i.with_photo { " (photo)" } else { "" }
                    )
                })
                .collect();
            out.push_str(&format!("\n  {} - {}", d.kind, items.join("; ")));
        }
    }
    if s.dry_run {
        for u in &s.unreachable {
            out.push_str(&format!("\nCannot reach {}: {}", u.contact, u.reason));
        }
    }
    out
}

/// Says how many refused emails a corrected address sends again; nothing when none.
fn queued_again(n: usize) -> String {
    match n {
        0 => String::new(),
        1 => "\n1 email the mail server refused goes again to the corrected address at the next sync.".into(),
        n => format!("\n{n} emails the mail server refused go again to the corrected address at the next sync."),
    }
}
