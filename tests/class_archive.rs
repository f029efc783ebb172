//! Issue 15, part 4: `goalpost class archive DIR` closes a school year, through the real
//! binary on the demo class: a backup that restores the old class, every portfolio, then an
//! empty class in the same data folder that keeps the settings, theme, language files and
//! goal titles (as suggestions); refused, changing nothing, when it cannot do all of it;
//! and a second year archives too.

mod backup_support;
mod common;

use std::path::Path;

use common::{cli, cli_ok, cli_ok_json, demo_data_dir, dump, dump_db, files_under};

/// The names of the tables that still hold rows.
fn tables_with_rows(db: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(db).unwrap();
    common::table_names(&conn)
        .into_iter()
        .filter(|t| {
            let n: i64 = conn
                .query_row(&format!("SELECT count(*) FROM \"{t}\""), [], |r| r.get(0))
                .unwrap();
            n > 0
        })
        .collect()
}

/// The part of a database dump that is the class's people and their work.
fn people(dump: &str) -> String {
    let mut out = String::new();
    let mut keep = false;
    for line in dump.lines() {
        if let Some(t) = line.strip_prefix("## ") {
            keep = [
                "students",
                "contacts",
                "student_contacts",
                "consents",
                "goals",
                "evidence",
                "photos",
            ]
            .contains(&t);
        }
        if keep {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

fn archive(data: &Path, dir: &Path) -> serde_json::Value {
    cli_ok_json(data, &["class", "archive", dir.to_str().unwrap(), "--yes"])
}

#[test]
fn class_archive_keeps_the_year_and_starts_an_empty_class_with_settings_and_suggestions() {
    let (tmp, data) = demo_data_dir(6);
    cli_ok(&data, &["sync"]);
    // What the teacher set up and keeps.
    cli_ok(&data, &["config", "set", "photo.quality", "77"]);
    cli_ok(&data, &["blog", "theme"]);
    let theme_files = files_under(&data.join("theme"));
    assert!(!theme_files.is_empty());
    let catalog = data.join("i18n").join("mi").join("mail.ftl");
    std::fs::create_dir_all(catalog.parent().unwrap()).unwrap();
    std::fs::write(&catalog, "greeting = Kia ora { $contact },\n").unwrap();
    // A goal title that names a child is not kept for next year.
    let first = cli_ok_json(&data, &["student", "list"])[0].clone();
    let first_name = first["first_name"].as_str().unwrap().to_string();
    let naming = format!("I can read to {first_name}");
    cli_ok(
        &data,
        &["goal", "add", "--student", "1", "--title", &naming],
    );
    let titles: Vec<String> = cli_ok_json(&data, &["goal", "list"])
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["title"].as_str().unwrap().to_string())
        .collect();
    let before = dump(&data);
    let originals = files_under(&data.join("photos").join("originals")).len();
    assert!(originals > 0);

    let out = tmp.path().join("room7-2026");
    let r = archive(&data, &out);
    assert_eq!(r["students"], 6, "{r}");
    assert_eq!(r["titles_naming_a_child"], 1, "{r}");
    assert!(r.get("blog_problem").is_none(), "{r}");

    // The year, kept: a backup and the portfolios.
    let backup = out.join("class-2026-11-20.goalpost");
    assert!(backup.is_file(), "{:?}", files_under(&out));
    assert!(out.join("portfolios").join("index.html").is_file());
    for s in 1..=6 {
        let p = out.join("portfolios").join(format!("s{s}"));
        assert!(p.join("index.html").is_file() && p.join("portfolio.json").is_file());
    }

    // The new year: no child, family, goal, evidence, photo, delivery or outbox left.
    assert_eq!(
        tables_with_rows(&data.join("goalpost.sqlite3")),
        [
            "backup_runs",
            "class",
            "goal_suggestions",
            "settings",
            "sqlite_sequence"
        ],
        "only the class, its settings, the suggestions and the backups' record hold rows"
    );
    assert_eq!(
        cli_ok_json(&data, &["student", "list"]),
        serde_json::json!([])
    );
    assert_eq!(
        cli_ok_json(&data, &["contact", "list"]),
        serde_json::json!([])
    );
    for folder in ["photos", "outbox", "print", "exports"] {
        assert_eq!(
            files_under(&data.join(folder)),
            Vec::<std::path::PathBuf>::new(),
            "{folder}"
        );
    }
    let blog = std::fs::read_dir(data.join("blog"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect::<Vec<_>>();
    assert!(
        !blog
            .iter()
            .any(|n| n.starts_with('e') && n[1..].parse::<u32>().is_ok()),
        "no post of last year is left on the blog: {blog:?}"
    );
    let blog_text: String = files_under(&data.join("blog"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "html" || e == "xml"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    assert!(
        !common::has_word(&blog_text, &first_name),
        "{first_name} on the new blog"
    );

    // What stays: the class, settings, theme, language files; titles as suggestions.
    assert_eq!(
        cli_ok(&data, &["config", "get", "photo.quality"]).trim(),
        "77"
    );
    assert_eq!(files_under(&data.join("theme")).len(), theme_files.len());
    assert!(catalog.is_file());
    let suggestions: Vec<String> = cli_ok_json(&data, &["goal", "suggestions"])
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["title"].as_str().unwrap().to_string())
        .collect();
    assert!(!suggestions.is_empty());
    for t in &titles {
        assert_eq!(suggestions.contains(t), t != &naming, "{t}");
    }
    let text = cli_ok(&data, &["goal", "suggestions"]);
    assert!(text.contains(&titles[0]), "{text}");

    // The backup restores the old class, photos and all, on a new PC (an empty folder),
    // and the restored class syncs.
    let restored = tmp.path().join("new-pc");
    cli_ok(&restored, &["restore", backup.to_str().unwrap()]);
    assert_eq!(people(&dump(&restored)), people(&before));
    let db = tmp.path().join("inside-the-backup.sqlite3");
    backup_support::database_of(&backup, &db);
    assert_eq!(people(&dump_db(&db)), people(&before));
    assert_eq!(
        files_under(&restored.join("photos").join("originals")).len(),
        originals,
        "every original of the year is in the backup"
    );
    cli_ok(&restored, &["sync"]);
    assert!(
        files_under(&restored.join("blog"))
            .iter()
            .any(|p| p.extension().is_some_and(|e| e == "jpg")),
        "the restored class's blog shows its photos"
    );
}

#[test]
fn a_second_year_archives_too() {
    let (tmp, data) = demo_data_dir(3);
    archive(&data, &tmp.path().join("year1"));
    // Next year: a new child, a goal from the suggestions, evidence approved.
    let first = cli_ok_json(&data, &["goal", "suggestions"])[0].clone();
    let title = first["title"].as_str().unwrap().to_string();
    let subject = first["subject"].as_str().unwrap().to_string();
    let s = cli_ok_json(
        &data,
        &[
            "student",
            "add",
            "--first-name",
            "Hemi",
            "--last-name",
            "Walker",
        ],
    )["id"]
        .as_i64()
        .unwrap();
    assert!(s > 3, "no id of last year is given again ({s})");
    let g = cli_ok_json(
        &data,
        &[
            "goal",
            "add",
            "--student",
            "Hemi",
            "--title",
            &title,
            "--subject",
            &subject,
        ],
    )["id"]
        .as_i64()
        .unwrap();
    let e = cli_ok_json(
        &data,
        &[
            "evidence",
            "add",
            "--student",
            "Hemi",
            "--goal",
            &g.to_string(),
            "--words",
            "I did it this year.",
        ],
    )["id"]
        .as_i64()
        .unwrap();
    cli_ok(&data, &["review", "approve", &e.to_string()]);
    let out = tmp.path().join("year2");
    let r = archive(&data, &out);
    assert_eq!(r["students"], 1, "{r}");
    let j: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            out.join("portfolios")
                .join(format!("s{s}"))
                .join("portfolio.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(j["evidence"][0]["words"], "I did it this year.");
    assert_eq!(
        cli_ok_json(&data, &["student", "list"]),
        serde_json::json!([])
    );
    // The suggestion used again is kept once.
    let again: Vec<serde_json::Value> = cli_ok_json(&data, &["goal", "suggestions"])
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["title"] == title.as_str())
        .cloned()
        .collect();
    assert_eq!(again.len(), 1);
}

#[test]
fn class_archive_changes_nothing_when_it_cannot_write_every_portfolio_or_is_not_confirmed() {
    let (tmp, data) = demo_data_dir(4);
    let before = dump(&data);
    let out = tmp.path().join("year");

    // Not on a terminal and no --yes: refused.
    let o = cli(&data)
        .args(["class", "archive", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("--yes"), "{err}");
    assert!(!out.exists());

    // A photo whose original and copies are gone: its portfolio cannot be written.
    let originals = data.join("photos").join("originals");
    let gone = files_under(&originals).into_iter().next().unwrap();
    let hash = gone.file_name().unwrap().to_string_lossy().into_owned();
    for f in files_under(&data.join("photos")) {
        if f.file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with(&hash[..32])
        {
            std::fs::remove_file(f).unwrap();
        }
    }
    // (Copies of the other photos may be made meanwhile: a cache, as a sync makes it.)
    let mut originals_left = files_under(&originals);
    originals_left.sort();
    let o = cli(&data)
        .args(["class", "archive", out.to_str().unwrap(), "--yes"])
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(!out.exists(), "no half-written archive");
    assert_eq!(dump(&data), before, "the class is unchanged");
    let mut originals_now = files_under(&originals);
    originals_now.sort();
    assert_eq!(originals_now, originals_left);
    let left: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".goalpost-"))
        .collect();
    assert!(left.is_empty(), "{left:?}");

    // A folder that is not empty: refused too.
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("mine.txt"), "x").unwrap();
    let o = cli(&data)
        .args(["class", "archive", out.to_str().unwrap(), "--yes"])
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("is not empty"));
    assert_eq!(dump(&data), before);
}

/// On a terminal, `class archive` asks first: anything but "yes" changes nothing. (The
/// terminal is util-linux `script`'s pseudo-terminal, which types the answer.)
#[cfg(unix)]
#[test]
fn on_a_terminal_class_archive_asks_first() {
    let (tmp, data) = demo_data_dir(2);
    let before = dump(&data);
    let out = tmp.path().join("year");
    let run = |answer: &str| {
        let cmd = format!(
            "'{}' --data-dir '{}' class archive '{}'",
            assert_cmd::cargo::cargo_bin("goalpost").display(),
            data.display(),
            out.display()
        );
        let mut child = std::process::Command::new("script")
            .args(["-qec", &cmd, "/dev/null"])
            .env("GOALPOST_NOW", common::NOW)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("util-linux `script` runs the command on a terminal");
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{answer}\n").as_bytes())
            .unwrap();
        let o = child.wait_with_output().unwrap();
        (
            o.status.success(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
        )
    };
    let (ok, text) = run("no");
    assert!(!ok, "{text}");
    assert!(
        text.contains("Type yes to go on") && text.contains("not confirmed"),
        "{text}"
    );
    assert_eq!(dump(&data), before);
    assert!(!out.exists());
    let (ok, text) = run("yes");
    assert!(ok, "{text}");
    assert!(
        out.join("portfolios").join("index.html").is_file(),
        "{text}"
    );
    assert_eq!(
        cli_ok_json(&data, &["student", "list"]),
        serde_json::json!([])
    );
}
