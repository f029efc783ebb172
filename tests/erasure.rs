//! Erasing a student, as the teacher does it on the demo class: nothing of the child stays
//! on this PC (database file, photos, web copies, emails in the outbox folder), the next
//! sync removes the published pages, and a backup from before the erasure cannot bring the
//! child back.

mod blog_support;
mod common;

use std::path::Path;

use blog_support::{evidence_with_photo, now, tree};
use goalpost::erasure::{erasures_path, read_erasures};
use goalpost::{Channel, Clock, Goalpost};

const WORDS: &str = "Quokka-ladder-4471 is how I counted the beans";

/// The demo class with one more approved evidence of a student with a family on email and
/// one on paper,
/// with a photo nobody else uses and words found nowhere else; synced, so that its blog
/// page, web copies and email (in the outbox folder) exist.
fn demo_with_evidence() -> (tempfile::TempDir, Goalpost, i64, i64, String) {
    let d = tempfile::tempdir().unwrap();
    let data = d.path().join("class");
    let gp = Goalpost::create(&data)
        .unwrap()
        .with_clock(Clock::fixed(now()));
    gp.create_demo(6).unwrap();
    let views = gp.family_views().unwrap();
    let on = |channel: Channel, id: i64| {
        views.iter().any(|v| {
            v.contact.channel == channel && v.contact.students.iter().any(|l| l.student_id == id)
        })
    };
    let student = gp
        .students()
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .find(|&id| on(Channel::Email, id) && on(Channel::Paper, id))
        .expect("a student with a family on email and one on paper");
    let goal = gp
        .add_goal(student, "I can count beans", "Maths", None)
        .unwrap();
    let e = evidence_with_photo(&gp, student, goal.id, WORDS, "", 4471);
    gp.approve(&[e]).unwrap();
    let hash = gp.evidence(e).unwrap().photo_hash.unwrap();
    let s = gp.sync(false, &mut |_| {}).unwrap();
    assert!(s.all_ok(), "{s:?}");
    (d, gp, student, e, hash)
}

/// The database file and its write-ahead log, as bytes.
fn database_bytes(data: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    for name in ["goalpost.sqlite3", "goalpost.sqlite3-wal"] {
        out.extend(std::fs::read(data.join(name)).unwrap_or_default());
    }
    out
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// Files under `dir` whose bytes hold `needle`.
fn files_holding(dir: &Path, needle: &str) -> Vec<String> {
    tree(dir)
        .into_iter()
        .filter(|(_, bytes)| contains(bytes, needle))
        .map(|(rel, _)| rel)
        .collect()
}

fn copies_of(data: &Path, hash: &str) -> Vec<String> {
    std::fs::read_dir(goalpost::photo::copies_dir(data))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(&hash[..32]))
        .collect()
}

#[test]
fn an_erased_student_leaves_nothing_behind_on_this_pc() {
    let (_d, gp, student, e, hash) = demo_with_evidence();
    let data = gp.data_dir().to_path_buf();
    let st = gp.student(student).unwrap();
    // Before: the words are in the database, the blog and an email; the photo has copies.
    assert!(contains(&database_bytes(&data), WORDS));
    let blog = gp.blog_dir().unwrap();
    assert!(blog.join(format!("posts/e{e}.html")).is_file());
    let emails = files_holding(&data.join("outbox"), "Quokka-ladder-4471");
    assert!(
        !emails.is_empty(),
        "the email about it is in the outbox folder"
    );
    let slips = files_holding(&data.join("print"), "Quokka-ladder-4471");
    assert!(!slips.is_empty(), "a paper family's slip page holds it");
    assert_eq!(
        copies_of(&data, &hash).len(),
        4,
        "three copies and their sidecar"
    );
    assert!(goalpost::photo::original_path(&data, &hash).is_file());

    let erased = gp.remove_student(student).unwrap();
    assert!(erased.evidence >= 1);
    assert!(erased.photos >= 1);
    assert!(erased.emails_removed >= emails.len(), "{erased:?}");

    assert!(
        !contains(&database_bytes(&data), WORDS),
        "the child's words are gone from the database file and its log"
    );
    assert!(copies_of(&data, &hash).is_empty(), "no web copies left");
    assert!(!goalpost::photo::original_path(&data, &hash).exists());
    assert!(
        files_holding(&data.join("outbox"), "Quokka-ladder-4471").is_empty(),
        "no email about them left in the outbox folder"
    );
    // The erasure list names no one.
    let list = std::fs::read_to_string(erasures_path(&data)).unwrap();
    assert!(!list.contains(&st.first_name), "{list}");
    assert_eq!(read_erasures(&data).unwrap().len(), 1);

    // The next sync removes the published pages, and takes the slip off its page.
    gp.sync(false, &mut |_| {}).unwrap();
    assert!(
        files_holding(&data.join("print"), "Quokka-ladder-4471").is_empty(),
        "the slip page was written again without them"
    );
    assert!(!blog.join(format!("posts/e{e}.html")).exists());
    assert!(!blog.join(format!("students/s{student}.html")).exists());
    assert!(files_holding(&blog, "Quokka-ladder-4471").is_empty());
}

#[test]
fn a_backup_from_before_an_erasure_does_not_bring_the_child_back() {
    let (d, gp, student, e, hash) = demo_with_evidence();
    let data = gp.data_dir().to_path_buf();
    let before = d.path().join("before.sqlite3");
    gp.backup(&before).unwrap();
    gp.remove_student(student).unwrap();
    gp.sync(false, &mut |_| {}).unwrap();

    let mut gp = Goalpost::open(&data)
        .unwrap()
        .with_clock(Clock::fixed(now()));
    let r = gp.restore(&before).unwrap();
    assert_eq!(r.erased_again, vec![student]);
    assert!(gp.student(student).is_err(), "erased again");
    assert!(!contains(&database_bytes(&data), WORDS));
    gp.sync(false, &mut |_| {}).unwrap();
    let blog = gp.blog_dir().unwrap();
    assert!(!blog.join(format!("posts/e{e}.html")).exists());
    assert!(files_holding(&blog, "Quokka-ladder-4471").is_empty());
    assert!(copies_of(&data, &hash).is_empty());

    // The same through the CLI, as a school's script restores: it says so.
    let out = assert_cmd::Command::cargo_bin("goalpost")
        .unwrap()
        .args(["--data-dir"])
        .arg(&data)
        .arg("restore")
        .arg(&before)
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        text.contains("1 students erased since that backup was taken were erased again"),
        "{text}"
    );
    let gp = Goalpost::open(&data).unwrap();
    assert!(gp.student(student).is_err());
}

#[test]
fn a_later_student_given_the_same_id_is_not_erased_by_a_restore() {
    let (d, gp, _student, _e, _hash) = demo_with_evidence();
    let data = gp.data_dir().to_path_buf();
    // Erase the student with the highest id: SQLite gives that id to the next student.
    let last = gp
        .students()
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .max()
        .unwrap();
    let old = d.path().join("old.sqlite3");
    gp.backup(&old).unwrap();
    gp.remove_student(last).unwrap();
    // A new student joins the class the next day.
    let gp = gp.with_clock(Clock::fixed(now() + chrono::Duration::days(1)));
    let newcomer = gp.add_student("Wiremu", "Kingi", None).unwrap();
    assert_eq!(newcomer.id, last, "the id was given again");
    let later = d.path().join("later.sqlite3");
    gp.backup(&later).unwrap();

    let mut gp = Goalpost::open(&data)
        .unwrap()
        .with_clock(Clock::fixed(now()));
    let r = gp.restore(&later).unwrap();
    assert!(r.erased_again.is_empty(), "{r:?}");
    assert_eq!(gp.student(last).unwrap().first_name, "Wiremu");
    let r = gp.restore(&old).unwrap();
    assert_eq!(
        r.erased_again,
        vec![last],
        "the erased one, not the newcomer"
    );
    assert!(gp.student(last).is_err());
}

#[test]
fn a_damaged_erasure_list_stops_a_restore_before_anything_changes() {
    let (d, gp, student, _e, _hash) = demo_with_evidence();
    let data = gp.data_dir().to_path_buf();
    let before = d.path().join("before.sqlite3");
    gp.backup(&before).unwrap();
    gp.remove_student(student).unwrap();
    let path = erasures_path(&data);
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("{\"student_id\": 3, \"added_at\n");
    std::fs::write(&path, text).unwrap();

    let mut gp = Goalpost::open(&data).unwrap();
    let students_before = gp.students().unwrap().len();
    let err = gp.restore(&before).unwrap_err().to_string();
    assert!(err.contains("line 2 of the erasure list"), "{err}");
    assert!(err.contains("nothing was changed"), "{err}");
    assert_eq!(gp.students().unwrap().len(), students_before);
    assert!(gp.student(student).is_err());
}
