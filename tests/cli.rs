//! The `goalpost` command end to end, against a temporary data folder: what a teacher or a
//! school's script types, what it prints, and that a refused command changes nothing.

mod common;

use common::*;
use predicates::prelude::*;
use serde_json::Value;

fn json(out: &[u8]) -> Value {
    serde_json::from_slice(out)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(out)))
}

/// Runs a command that must succeed and returns its JSON output.
fn run_json(data: &std::path::Path, args: &[&str]) -> Value {
    let out = cli(data).args(args).arg("--json").output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    json(&out.stdout)
}

fn init(dir: &std::path::Path) {
    cli(dir)
        .args(INIT_ARGS)
        .assert()
        .success()
        .stdout(predicate::str::contains("Created Room 7"));
}

#[test]
fn demo_then_student_list_json_lists_the_demo_class() {
    let d = tempfile::tempdir().unwrap();
    let data = d.path().join("demo");
    cli(&data).arg("demo").assert().success();
    let out = cli(&data)
        .args(["student", "list", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v = json(&out.stdout);
    let students = v.as_array().unwrap();
    assert_eq!(students.len(), 12);
    for s in students {
        assert!(s["id"].is_i64() && s["first_name"].is_string() && s["last_name"].is_string());
    }
    let firsts: Vec<&str> = students
        .iter()
        .map(|s| s["first_name"].as_str().unwrap())
        .collect();
    assert_eq!(
        firsts.iter().filter(|f| **f == "Ana").count(),
        2,
        "two share a first name"
    );
    assert!(firsts.iter().any(|f| !f.is_ascii()), "non-ASCII names");

    // Every channel, several languages, and a student with no contact.
    let contacts = run_json(&data, &["contact", "list"]);
    let contacts = contacts.as_array().unwrap();
    for ch in ["email", "weekly", "paper", "none"] {
        assert!(
            contacts.iter().any(|c| c["channel"] == ch),
            "no contact on {ch}"
        );
    }
    let langs: std::collections::HashSet<&str> = contacts
        .iter()
        .map(|c| c["language"].as_str().unwrap())
        .collect();
    assert!(langs.len() >= 4 && langs.contains("ar"), "{langs:?}");
    let linked: std::collections::HashSet<i64> = contacts
        .iter()
        .flat_map(|c| {
            c["students"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l["student_id"].as_i64().unwrap())
        })
        .collect();
    assert!(students
        .iter()
        .any(|s| !linked.contains(&s["id"].as_i64().unwrap())));
    let rels: Vec<&str> = contacts
        .iter()
        .flat_map(|c| {
            c["students"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l["relationship"].as_str().unwrap())
        })
        .collect();
    assert!(rels.iter().any(|r| r.starts_with("grand") || *r == "aunt"));

    // Some evidence approved, some waiting, with goals that have next goals.
    let waiting = run_json(&data, &["review", "list"]);
    assert!(!waiting.as_array().unwrap().is_empty());
    let all = run_json(&data, &["review", "list", "--all"]);
    assert!(all
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["status"] == "approved"));
    let goals = run_json(&data, &["goal", "list"]);
    assert!(goals
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g["next_goal_id"].is_i64()));
    for g in goals.as_array().unwrap() {
        assert!(g["id"].is_i64() && g["title"].is_string());
    }
}

#[test]
fn a_teacher_sets_up_a_class_by_hand() {
    let d = tempfile::tempdir().unwrap();
    let data = d.path().join("class");
    init(&data);
    let out = cli(&data)
        .args([
            "student",
            "add",
            "--first-name",
            "Aroha",
            "--last-name",
            "Ngata",
            "--json",
        ])
        .output()
        .unwrap();
    let aroha = json(&out.stdout);
    assert_eq!(aroha["first_name"], "Aroha");
    cli(&data)
        .args([
            "contact",
            "add",
            "--name",
            "Hine Ngata",
            "--email",
            "hine@example.org",
            "--language",
            "mi",
            "--relationship",
            "mother",
            "--student",
            "Aroha",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("Hine Ngata"));
    cli(&data)
        .args([
            "consent",
            "set",
            "Aroha",
            "blog",
            "yes",
            "--given-by",
            "Hine Ngata (mother)",
        ])
        .assert()
        .success();
    let goal = run_json(
        &data,
        &[
            "goal",
            "add",
            "--student",
            "Aroha",
            "--title",
            "I can count by 5s",
            "--subject",
            "Maths",
        ],
    );
    let gid = goal["id"].as_i64().unwrap().to_string();
    let next = run_json(
        &data,
        &[
            "goal",
            "add",
            "--student",
            "1",
            "--title",
            "I can count by 10s",
            "--next-of",
            &gid,
        ],
    );
    let photo = photo("orientation/landscape_1.jpg");
    let ev = json(
        &cli(&data)
            .args([
                "evidence",
                "add",
                "--student",
                "Aroha",
                "--goal",
                &gid,
                "--words",
                "I can count to 100 by 5s!",
                "--json",
            ])
            .arg("--photo")
            .arg(&photo)
            .output()
            .unwrap()
            .stdout,
    );
    assert_eq!(ev["status"], "waiting");
    let eid = ev["id"].as_i64().unwrap().to_string();
    cli(&data)
        .args(["review", "approve", &eid])
        .assert()
        .success();
    let goals = run_json(&data, &["goal", "list", "--student", "Aroha"]);
    let first = goals
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"].as_i64().unwrap().to_string() == gid)
        .unwrap();
    assert_eq!(first["status"], "achieved");
    assert_eq!(first["next_goal_id"], next["id"]);
    let contacts = run_json(&data, &["contact", "list"]);
    assert_eq!(contacts[0]["students"][0]["relationship"], "mother");
    assert_eq!(contacts[0]["channel"], "email");
}

#[test]
fn config_keys_are_checked_and_kept() {
    let d = tempfile::tempdir().unwrap();
    let data = d.path().join("class");
    init(&data);
    cli(&data)
        .args(["config", "set", "smtp.url", "smtp://127.0.0.1:2525"])
        .assert()
        .success();
    cli(&data)
        .args(["config", "get", "smtp.url"])
        .assert()
        .success()
        .stdout("smtp://127.0.0.1:2525\n");
    cli(&data)
        .args(["config", "set", "mail.weekly_day", "Thu"])
        .assert()
        .success();
    cli(&data)
        .args(["config", "get", "mail.weekly_day"])
        .assert()
        .stdout("thursday\n");
    for (key, value, says) in [
        ("smtp.url", "smtp://me:secret@mail.example", "password"),
        ("smtp.from", "nobody", "not a valid email address"),
        ("blog.site_url", "ftp://x", "not an http(s) address"),
        ("blog.dir", "relative/path", "relative path"),
        ("mail.weekly_day", "someday", "not a day"),
        ("no.such.key", "1", "unknown setting"),
    ] {
        cli(&data)
            .args(["config", "set", key, value])
            .assert()
            .failure()
            .stderr(predicate::str::contains(says));
    }
    let list = run_json(&data, &["config", "list"]);
    let keys: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["key"].as_str().unwrap())
        .collect();
    for k in [
        "smtp.url",
        "smtp.from",
        "blog.dir",
        "blog.site_url",
        "blog.publish_command",
        "mail.weekly_day",
    ] {
        assert!(keys.contains(&k), "{k} missing from config list");
    }
}

/// Every bad input: one clear line naming the problem and the fix, a non-zero exit, and
/// an unchanged database.
#[test]
fn bad_input_is_refused_clearly_and_changes_nothing() {
    let d = tempfile::tempdir().unwrap();
    let data = d.path().join("class");
    init(&data);
    for (first, last) in [("Ana", "López"), ("Ana", "Smith"), ("Mere", "Ngata")] {
        cli(&data)
            .args(["student", "add", "--first-name", first, "--last-name", last])
            .assert()
            .success();
    }
    let before = dump(&data);
    let bad_csv = d.path().join("bad.csv");
    std::fs::write(
        &bad_csv,
        "student_first_name,student_last_name,contact_name,contact_email,contact_language,contact_channel,contact_relationship,photo_consent,name_consent,blog_consent\nBen,Ray,Jo Ray,jo@,en,email,mother,yes,yes,yes\n",
    )
    .unwrap();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec!["roster".into(), "import".into(), bad_csv.display().to_string()], "line 2: \"jo@\" is not a valid email address"),
        (vec!["consent".into(), "set".into(), "Nobody".into(), "blog".into(), "yes".into(), "--given-by".into(), "X".into()], "no student matches \"Nobody\""),
        (vec!["consent".into(), "set".into(), "Ana".into(), "blog".into(), "yes".into(), "--given-by".into(), "X".into()], "student \"Ana\" matches more than one: Ana López (id 1), Ana Smith (id 2). Use the id instead."),
        (vec!["contact".into(), "add".into(), "--name".into(), "Jo".into(), "--email".into(), "jo@@example".into()], "not a valid email address"),
        (vec!["contact".into(), "add".into(), "--name".into(), "Jo".into(), "--language".into(), "klingon-lang-x".into()], "not a valid BCP 47 language tag"),
        (vec!["student".into(), "add".into(), "--first-name".into(), "Bad\nName".into()], "control character"),
        (vec!["student".into(), "add".into(), "--first-name".into(), "Bad\rName".into()], "control character"),
        (vec!["student".into(), "add".into(), "--first-name".into(), "x".repeat(101)], "the most is 100"),
        (vec!["student".into(), "add".into(), "--first-name".into(), "Mere".into(), "--last-name".into(), "ngata".into()], "already exists"),
        (vec!["goal".into(), "add".into(), "--student".into(), "Mere".into(), "--title".into(), "I can".into(), "--next-of".into(), "99".into()], "no goal with id 99"),
        (vec!["evidence".into(), "add".into(), "--student".into(), "Mere".into(), "--goal".into(), "1".into()], "no goal with id 1"),
        (vec!["review".into(), "approve".into(), "42".into()], "no evidence with id 42"),
        (vec!["restore".into(), bad_csv.display().to_string()], "not a Goalpost database"),
    ];
    for (args, says) in cases {
        let out = cli(&data).args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} should fail");
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
        assert!(
            stderr.contains(says),
            "{args:?}: expected {says:?} in {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
        if !args[0].starts_with("roster") {
            assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
        }
        assert_eq!(before, dump(&data), "{args:?} changed the database");
    }
    // NUL cannot even be passed as an argument; through the library it is refused too.
    let gp = goalpost::Goalpost::open(&data).unwrap();
    assert!(gp.add_student("Bad\0Name", "", None).is_err());
    assert_eq!(before, dump(&data));
}

#[test]
fn a_missing_or_uninitialised_data_folder_says_how_to_fix_it() {
    let d = tempfile::tempdir().unwrap();
    let missing = d.path().join("nope");
    cli(&missing)
        .args(["student", "list"])
        .assert()
        .failure()
        .stderr(
            predicate::str::contains("does not exist")
                .and(predicate::str::contains("goalpost init")),
        );
    assert!(!missing.exists(), "a list must not create the folder");
    let empty = d.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    cli(&empty)
        .args(["student", "list"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("holds no Goalpost class"));
    // The environment variable names the folder when --data-dir is not given.
    let data = d.path().join("class");
    init(&data);
    assert_cmd::Command::cargo_bin("goalpost")
        .unwrap()
        .env("GOALPOST_DATA_DIR", &data)
        .args(["student", "list", "--json"])
        .assert()
        .success()
        .stdout("[]\n");
}

#[test]
fn a_database_from_a_newer_goalpost_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let data = d.path().join("class");
    init(&data);
    let conn = rusqlite::Connection::open(data.join("goalpost.sqlite3")).unwrap();
    conn.pragma_update(None, "user_version", 999).unwrap();
    drop(conn);
    cli(&data)
        .args(["student", "list"])
        .assert()
        .failure()
        .stderr(
            predicate::str::contains("newer Goalpost")
                .and(predicate::str::contains("update Goalpost")),
        );
}

#[test]
fn roster_export_import_and_erase_through_the_cli() {
    let (d, data) = demo_data_dir(6);
    let file = d.path().join("roster.csv");
    cli(&data)
        .args(["roster", "export"])
        .arg(&file)
        .assert()
        .success();
    cli(&data)
        .args(["roster", "import"])
        .arg(&file)
        .assert()
        .success()
        .stdout(predicate::str::contains("nothing changed"));
    let out = cli(&data).args(["roster", "export"]).output().unwrap();
    assert_eq!(out.stdout, std::fs::read(&file).unwrap());

    // Erasing a student removes their evidence and private photos.
    let photos = || {
        std::fs::read_dir(data.join("photos/originals"))
            .unwrap()
            .count()
    };
    let before = photos();
    cli(&data)
        .args(["student", "remove", "Aroha"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Erased Aroha Ngata"));
    assert_eq!(photos(), before - 1);
    let all = run_json(&data, &["review", "list", "--all"]);
    assert!(all
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["display_name"] != "Aroha"));
}

#[test]
fn backup_and_restore_through_the_cli() {
    let (d, data) = demo_data_dir(4);
    let backup = d.path().join("room7.goalpost");
    cli(&data).arg("backup").arg(&backup).assert().success();
    let saved = dump(&data);
    cli(&data)
        .args(["student", "add", "--first-name", "New"])
        .assert()
        .success();
    assert_ne!(saved, dump(&data));
    cli(&data)
        .arg("restore")
        .arg(&backup)
        .assert()
        .success()
        .stdout(predicate::str::contains("kept at"));
    assert_eq!(saved, dump(&data));
    assert_eq!(
        std::fs::read_dir(data.join("backups")).unwrap().count(),
        1,
        "the replaced database is kept"
    );
}

/// Two restores in the same second (a clock fixed by `GOALPOST_NOW`) each keep the database
/// they replaced: the second `before-restore` copy gets a name of its own.
#[test]
fn two_restores_in_one_second_keep_both_replaced_databases() {
    let (d, data) = demo_data_dir(4);
    let backup = d.path().join("room7.goalpost");
    cli(&data).arg("backup").arg(&backup).assert().success();
    let restore = |first_name: &str| {
        cli(&data)
            .args(["student", "add", "--first-name", first_name])
            .assert()
            .success();
        let replaced = dump(&data);
        cli(&data)
            .env("GOALPOST_NOW", "2026-11-20T09:00:00Z")
            .arg("restore")
            .arg(&backup)
            .assert()
            .success();
        replaced
    };
    let first = restore("Ngaio");
    let second = restore("Rangi");
    let mut kept: Vec<_> = std::fs::read_dir(data.join("backups"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    kept.sort();
    assert_eq!(kept.len(), 2, "both replaced databases are kept: {kept:?}");
    let dumps: Vec<String> = kept.iter().map(|p| dump_backup(p)).collect();
    assert!(
        dumps.contains(&first),
        "the first replaced database is kept"
    );
    assert!(
        dumps.contains(&second),
        "the second replaced database is kept"
    );
}

#[test]
fn help_is_given_for_every_command() {
    let d = tempfile::tempdir().unwrap();
    for cmd in [
        vec!["--help"],
        vec!["init", "--help"],
        vec!["roster", "import", "--help"],
        vec!["student", "add", "--help"],
        vec!["contact", "link", "--help"],
        vec!["consent", "set", "--help"],
        vec!["goal", "add", "--help"],
        vec!["evidence", "add", "--help"],
        vec!["review", "approve", "--help"],
        vec!["config", "set", "--help"],
        vec!["backup", "--help"],
    ] {
        cli(d.path())
            .args(&cmd)
            .assert()
            .success()
            .stdout(predicate::str::contains("Usage"));
    }
}

/// `blog theme` prints the theme folder and leaves the built-in templates in it to copy.
#[test]
fn blog_theme_prints_the_folder_and_offers_the_built_in_templates() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("class");
    init(&data);
    let v = run_json(&data, &["blog", "theme"]);
    let theme = data.join("theme");
    assert_eq!(v["dir"], theme.to_str().unwrap());
    assert_eq!(v["reference"], theme.join("built-in").to_str().unwrap());
    assert!(theme.join("built-in").join("base.html").is_file());
    cli(&data)
        .args(["blog", "theme"])
        .assert()
        .success()
        .stdout(predicate::str::contains("built-in"));
}

/// `review list` points out a classmate's name in a child's words before approval, and
/// the same in `--json` (`mentions`); corrected words clear it.
#[test]
fn review_list_points_out_names_the_blog_must_not_show() {
    let (_d, data) = demo_data_dir(6);
    let students = run_json(&data, &["student", "list"]);
    let students = students.as_array().unwrap();
    let goal = run_json(&data, &["goal", "list"])
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["status"] == "current")
        .unwrap()
        .clone();
    let author = goal["student_id"].as_i64().unwrap();
    let other = students
        .iter()
        .find(|s| s["id"].as_i64() != Some(author) && s["last_name"] != "")
        .unwrap();
    let last = other["last_name"].as_str().unwrap();
    let added = run_json(
        &data,
        &[
            "evidence",
            "add",
            "--student",
            &author.to_string(),
            "--goal",
            &goal["id"].to_string(),
            "--words",
            &format!("{} {last} helped me", other["first_name"].as_str().unwrap()),
        ],
    );
    let id = added["id"].as_i64().unwrap();

    let out = cli(&data).args(["review", "list"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!(
            "Check evidence {id} before approving: {last:?} is a last name"
        )),
        "{text}"
    );
    let listed = run_json(&data, &["review", "list"]);
    let mine = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == id)
        .unwrap();
    assert!(mine["mentions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["reason"] == "last_name" && m["found"] == last));

    // `approve --all` approves what is ready and leaves this one, saying so (on stderr
    // too in --json, whose output stays the array of approved evidence).
    let out = cli(&data)
        .args(["review", "approve", "--all"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!("Left for a look: evidence {id} ")),
        "{text}"
    );
    let waiting = run_json(&data, &["review", "list"]);
    let waiting: Vec<i64> = waiting
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert_eq!(waiting, vec![id], "only the flagged evidence still waits");
    let out = cli(&data)
        .args(["review", "approve", "--all", "--json"])
        .output()
        .unwrap();
    assert_eq!(json(&out.stdout), serde_json::json!([]));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Left for a look"));

    cli(&data)
        .args([
            "review",
            "edit",
            &id.to_string(),
            "--words",
            "My friend helped me",
        ])
        .assert()
        .success();
    let out = cli(&data).args(["review", "list"]).output().unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains(&format!("Check evidence {id}")));
    let done = run_json(&data, &["review", "approve", "--all"]);
    assert_eq!(
        done[0]["id"].as_i64(),
        Some(id),
        "ready now: --all approves it"
    );
}
