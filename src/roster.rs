//! The roster CSV: students, their contacts and consents, one row per student–contact pair,
//! as Excel or Google Sheets export it.
//!
//! Import is all or nothing: every row is checked first and every bad row reported with
//! its line number; the database changes only when all rows are good. Importing the same
//! file twice changes nothing, and an edited file updates rather than duplicates.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use serde::Serialize;

pub use crate::error::{RosterProblems, RowProblem};

use crate::error::{Error, Result};
use crate::model::*;
use crate::store::{self, contacts::ContactFields};
use crate::{validate, Goalpost};

pub const COLUMNS: [&str; 10] = [
    "student_first_name",
    "student_last_name",
    "contact_name",
    "contact_email",
    "contact_language",
    "contact_channel",
    "contact_relationship",
    "photo_consent",
    "name_consent",
    "blog_consent",
];

/// The consent columns and the purpose each records.
const CONSENT_COLUMNS: [(&str, Purpose); 3] = [
    ("photo_consent", Purpose::PhotoOnBlog),
    ("name_consent", Purpose::NameOnBlog),
    ("blog_consent", Purpose::Blog),
];

/// What an import changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub rows: usize,
    pub students_added: usize,
    pub students_updated: usize,
    pub contacts_added: usize,
    pub contacts_updated: usize,
    pub links_changed: usize,
    pub consents_changed: usize,
    /// Emails the mail server had refused that go again to a corrected address.
    pub emails_queued_again: usize,
}

impl ImportReport {
    pub fn changed_anything(&self) -> bool {
        self.students_added
            + self.students_updated
            + self.contacts_added
            + self.contacts_updated
            + self.links_changed
            + self.consents_changed
            > 0
    }
}

/// A checked row.
#[derive(Debug, Clone)]
struct Row {
    line: u64,
    first: String,
    last: String,
    contact: Option<RowContact>,
    consents: [bool; 3],
}

#[derive(Debug, Clone)]
struct RowContact {
    fields: ContactFields,
    relationship: String,
}

impl Goalpost {
    pub fn import_roster_file(&self, path: &Path) -> Result<ImportReport> {
        let bytes = std::fs::read(path).map_err(|e| Error::io("read the roster", path, e))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "the roster".into());
        self.import_roster(&bytes, &name)
    }

    /// Imports roster CSV bytes (UTF-8, with or without BOM, any line endings).
    pub fn import_roster(&self, bytes: &[u8], file_name: &str) -> Result<ImportReport> {
        let class = self.class()?;
        let rows = parse(bytes, &class.language).map_err(|problems| {
            Error::Roster(RosterProblems {
                file: file_name.to_string(),
                problems,
            })
        })?;
        let given_by = format!("roster import ({file_name})");
        let now = self.now();
        self.store().in_tx(|tx| apply(tx, &rows, &given_by, now))
    }

    /// Writes the roster as CSV (UTF-8 with BOM, so Excel reads names correctly).
    pub fn export_roster(&self, out: &mut dyn Write) -> Result<()> {
        let conn = self.store().conn();
        let students = store::students::list(conn)?;
        let contacts = store::contacts::list(conn)?;
        let consents = store::consent::all(conn)?;
        out.write_all(b"\xEF\xBB\xBF")
            .map_err(|e| Error::io("write the roster to", "the output", e))?;
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(out);
        w.write_record(COLUMNS)?;
        for s in &students {
            let c = consents.get(&s.id).cloned().unwrap_or_default();
            let yn = |p| if c.allows(p) { "yes" } else { "no" };
            let consent_cells = CONSENT_COLUMNS.map(|(_, p)| yn(p));
            let mut wrote = false;
            for contact in &contacts {
                for link in contact.students.iter().filter(|l| l.student_id == s.id) {
                    let mut rec = vec![
                        s.first_name.as_str(),
                        s.last_name.as_str(),
                        contact.name.as_str(),
                        contact.email.as_deref().unwrap_or(""),
                        contact.language.as_str(),
                        contact.channel.as_str(),
                        link.relationship.as_str(),
                    ];
                    rec.extend(consent_cells);
                    w.write_record(&rec)?;
                    wrote = true;
                }
            }
            if !wrote {
                let mut rec = vec![
                    s.first_name.as_str(),
                    s.last_name.as_str(),
                    "",
                    "",
                    "",
                    "",
                    "",
                ];
                rec.extend(consent_cells);
                w.write_record(&rec)?;
            }
        }
        w.flush()
            .map_err(|e| Error::io("write the roster to", "the output", e))?;
        Ok(())
    }
}

/// Reads and checks every row; returns all problems, not just the first.
fn parse(bytes: &[u8], class_language: &str) -> std::result::Result<Vec<Row>, Vec<RowProblem>> {
    let problem = |line: u64, message: String| RowProblem { line, message };
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if std::str::from_utf8(bytes).is_err() {
        return Err(vec![problem(
            0,
            "the file is not UTF-8 text: in Excel use Save As > \"CSV UTF-8\"; in Google Sheets use File > Download > CSV".into(),
        )]);
    }
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let headers: Vec<String> = match rdr.headers() {
        Ok(h) => h.iter().map(|h| h.trim().to_string()).collect(),
        Err(e) => {
            return Err(vec![problem(
                1,
                format!("the header row cannot be read: {e}"),
            )])
        }
    };
    let missing: Vec<&str> = COLUMNS
        .iter()
        .copied()
        .filter(|c| !headers.iter().any(|h| h == c))
        .collect();
    if !missing.is_empty() {
        return Err(vec![problem(
            1,
            format!(
                "the header row lacks {}: the first row must name the columns {}",
                missing.join(", "),
                COLUMNS.join(", ")
            ),
        )]);
    }
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap_or(usize::MAX);
    let idx: HashMap<&'static str, usize> = COLUMNS.iter().map(|c| (*c, col(c))).collect();

    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for rec in rdr.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                problems.push(problem(line, format!("cannot be read as CSV: {e}")));
                continue;
            }
        };
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let fields = Fields {
            rec: &rec,
            idx: &idx,
        };
        match check_row(line, &fields, class_language) {
            Ok(r) => rows.push(r),
            Err(m) => problems.push(problem(line, m)),
        }
    }
    check_consistency(&rows, &mut problems);
    if rows.is_empty() && problems.is_empty() {
        problems.push(problem(0, "the file has no student rows".into()));
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        problems.sort_by_key(|p| p.line);
        Err(problems)
    }
}

/// The cells of one record, by column name.
struct Fields<'a> {
    rec: &'a csv::StringRecord,
    idx: &'a HashMap<&'static str, usize>,
}

impl<'a> Fields<'a> {
    fn get(&self, name: &str) -> &'a str {
        self.idx
            .get(name)
            .and_then(|&i| self.rec.get(i))
            .unwrap_or("")
            .trim()
    }
}

fn check_row(line: u64, f: &Fields<'_>, class_language: &str) -> std::result::Result<Row, String> {
    let get = |name: &str| f.get(name);
    let msg = |e: Error| e.to_string();
    let first = validate::name("student_first_name", get("student_first_name")).map_err(msg)?;
    let last =
        validate::optional_name("student_last_name", get("student_last_name")).map_err(msg)?;
    let mut consents = [false; 3];
    for (i, (column, _)) in CONSENT_COLUMNS.iter().enumerate() {
        consents[i] = match get(column).to_lowercase().as_str() {
            "yes" | "y" => true,
            "no" | "n" => false,
            "" => return Err(format!("{column} is empty: write yes or no")),
            other => return Err(format!("{column} is {other:?}: write yes or no")),
        };
    }
    let contact_name = get("contact_name");
    let contact = if contact_name.is_empty() {
        let stray: Vec<&str> = [
            "contact_email",
            "contact_language",
            "contact_channel",
            "contact_relationship",
        ]
        .into_iter()
        .filter(|c| !get(c).is_empty())
        .collect();
        if !stray.is_empty() {
            return Err(format!(
                "{} filled in but contact_name is empty: add the contact's name, or clear the contact columns for a student with no contact",
                stray.join(", ")
            ));
        }
        None
    } else {
        let name = validate::name("contact_name", contact_name).map_err(msg)?;
        let email = match get("contact_email") {
            "" => None,
            e => Some(validate::email(e).map_err(msg)?),
        };
        let language = match get("contact_language") {
            "" => class_language.to_string(),
            l => validate::language(l).map_err(msg)?,
        };
        let channel = match get("contact_channel") {
            "" if email.is_some() => Channel::Email,
            "" => Channel::Paper,
            c => c.parse::<Channel>().map_err(msg)?,
        };
        if channel.needs_email() && email.is_none() {
            return Err(format!(
                "contact {name} is on channel {channel} but contact_email is empty: add the address, or use channel paper"
            ));
        }
        let relationship =
            validate::optional_name("contact_relationship", get("contact_relationship"))
                .map_err(msg)?;
        Some(RowContact {
            fields: ContactFields {
                name,
                email,
                language,
                channel,
            },
            relationship,
        })
    };
    Ok(Row {
        line,
        first,
        last,
        contact,
        consents,
    })
}

fn student_key(r: &Row) -> (String, String) {
    (r.first.to_lowercase(), r.last.to_lowercase())
}

fn contact_key(c: &ContactFields) -> String {
    match &c.email {
        Some(e) => format!("email:{}", e.to_lowercase()),
        None => format!("name:{}", c.name.to_lowercase()),
    }
}

/// Rows about the same student must agree on consents; rows about the same contact on
/// the contact's details; no pair may appear twice.
fn check_consistency(rows: &[Row], problems: &mut Vec<RowProblem>) {
    let mut students: HashMap<(String, String), &Row> = HashMap::new();
    let mut contacts: HashMap<String, (&Row, &ContactFields)> = HashMap::new();
    let mut pairs: HashMap<((String, String), String), u64> = HashMap::new();
    for r in rows {
        let sk = student_key(r);
        match students.get(&sk) {
            Some(first) if first.consents != r.consents => problems.push(RowProblem {
                line: r.line,
                message: format!(
                    "the consents for {} {} differ from line {}: give the same yes/no on every row of a student",
                    r.first, r.last, first.line
                ),
            }),
            Some(_) => {}
            None => {
                students.insert(sk.clone(), r);
            }
        }
        if let Some(c) = &r.contact {
            let ck = contact_key(&c.fields);
            match contacts.get(&ck) {
                Some((first, f)) if **f != c.fields => problems.push(RowProblem {
                    line: r.line,
                    message: format!(
                        "contact {} has different details from line {}: give the same name, email, language and channel on every row of a contact",
                        c.fields.name, first.line
                    ),
                }),
                Some(_) => {}
                None => {
                    contacts.insert(ck.clone(), (r, &c.fields));
                }
            }
            if let Some(prev) = pairs.insert((sk, ck), r.line) {
                problems.push(RowProblem {
                    line: r.line,
                    message: format!(
                        "repeats line {prev} ({} {} with {}): remove one of them",
                        r.first, r.last, c.fields.name
                    ),
                });
            }
        }
    }
}

fn apply(
    tx: &rusqlite::Connection,
    rows: &[Row],
    given_by: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<ImportReport> {
    let mut rep = ImportReport {
        rows: rows.len(),
        ..Default::default()
    };
    let mut student_ids: HashMap<(String, String), StudentId> = HashMap::new();
    let mut contact_ids: HashMap<String, ContactId> = HashMap::new();
    for r in rows {
        let sk = student_key(r);
        let sid = match student_ids.get(&sk) {
            Some(id) => *id,
            None => {
                let existing = store::students::list(tx)?.into_iter().find(|s| {
                    s.first_name.to_lowercase() == sk.0 && s.last_name.to_lowercase() == sk.1
                });
                let id = match existing {
                    Some(s) => {
                        if s.first_name != r.first || s.last_name != r.last {
                            store::students::update(
                                tx,
                                s.id,
                                &r.first,
                                &r.last,
                                s.pseudonym.as_deref(),
                            )?;
                            rep.students_updated += 1;
                        }
                        s.id
                    }
                    None => {
                        rep.students_added += 1;
                        store::students::insert(tx, &r.first, &r.last, None, now)?
                    }
                };
                for (i, (_, purpose)) in CONSENT_COLUMNS.iter().enumerate() {
                    if store::consent::set(tx, id, *purpose, r.consents[i], given_by, now)? {
                        rep.consents_changed += 1;
                    }
                }
                student_ids.insert(sk, id);
                id
            }
        };
        let Some(c) = &r.contact else { continue };
        let ck = contact_key(&c.fields);
        let cid = match contact_ids.get(&ck) {
            Some(id) => *id,
            None => {
                let id = match find_contact(tx, &c.fields, sid)? {
                    Some(existing) => {
                        let cur = ContactFields {
                            name: existing.name.clone(),
                            email: existing.email.clone(),
                            language: existing.language.clone(),
                            channel: existing.channel,
                        };
                        if cur != c.fields {
                            store::contacts::update(tx, existing.id, &c.fields)?;
                            if c.fields.email.is_some() && c.fields.email != cur.email {
                                // A corrected address: what the server refused goes again.
                                rep.emails_queued_again +=
                                    store::outbox::requeue_refused(tx, existing.id, now)?;
                            }
                            rep.contacts_updated += 1;
                        }
                        existing.id
                    }
                    None => {
                        rep.contacts_added += 1;
                        store::contacts::insert(tx, &c.fields, now)?
                    }
                };
                contact_ids.insert(ck, id);
                id
            }
        };
        if store::contacts::link(tx, cid, sid, &c.relationship, now)? {
            rep.links_changed += 1;
        }
    }
    Ok(rep)
}

/// The existing contact a row means: the same address; else the same name among the
/// student's contacts (an address was added or changed); else the same name without address.
fn find_contact(
    tx: &rusqlite::Connection,
    f: &ContactFields,
    student: StudentId,
) -> Result<Option<Contact>> {
    let all = store::contacts::list(tx)?;
    if let Some(e) = &f.email {
        if let Some(c) = all
            .iter()
            .find(|c| c.email.as_deref().map(str::to_lowercase) == Some(e.to_lowercase()))
        {
            return Ok(Some(c.clone()));
        }
    }
    let same_name = |c: &&Contact| c.name.to_lowercase() == f.name.to_lowercase();
    if let Some(c) = all
        .iter()
        .filter(same_name)
        .find(|c| c.students.iter().any(|l| l.student_id == student))
    {
        return Ok(Some(c.clone()));
    }
    Ok(all
        .iter()
        .filter(same_name)
        .find(|c| c.email.is_none() && f.email.is_none())
        .cloned())
}
