//! Issue 15, part 3: a year-end portfolio for each child, through the real `goalpost export`
//! on a class made with the CLI and real camera photos (GPS and camera details in them).
//!
//! A portfolio passes the HTML validator, its links and images resolve inside its folder,
//! its photos carry no metadata, it names no other child against the rules of family
//! messages (a pseudonymised child's real name appears nowhere), no file is named after a
//! child, it is in the family's language, a photo without `email_family` consent stays
//! out with a word why, and a failed or refused export writes nothing.

mod blog_support;
mod common;
mod photo_support;

use std::path::{Path, PathBuf};

use common::{cli, cli_ok, cli_ok_json, files_under, has_word, photo, INIT_ARGS};

/// Room 7 made through the CLI:
/// - Mia Chen, shown as "Star" (a pseudonym), an English-speaking family;
/// - Tomás Ruiz, whose family reads Spanish, who writes "Mia Chen helped me";
/// - Ana Kowalski, without consent to family email (so no photo), who writes about
///   Tomás Ruiz (a last name, shown as "Tomás");
/// - Leo Park, with no contact, no evidence and one goal still to come.
struct Class {
    _tmp: tempfile::TempDir,
    data: PathBuf,
    mia: i64,
    tomas: i64,
    ana: i64,
    leo: i64,
}

fn id(v: &serde_json::Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"))
}

fn student(data: &Path, first: &str, last: &str, pseudonym: Option<&str>) -> i64 {
    let mut args = vec!["student", "add", "--first-name", first, "--last-name", last];
    if let Some(p) = pseudonym {
        args.extend(["--pseudonym", p]);
    }
    id(&cli_ok_json(data, &args))
}

fn consent(data: &Path, s: i64, purpose: &str, answer: &str) {
    cli_ok(
        data,
        &[
            "consent",
            "set",
            &s.to_string(),
            purpose,
            answer,
            "--given-by",
            "a parent",
        ],
    );
}

/// A goal for `s` with one approved evidence (photo from the fixtures); returns the goal id.
fn achieved(data: &Path, s: i64, title: &str, photo_rel: &str, words: &str) -> i64 {
    let sid = s.to_string();
    let goal = id(&cli_ok_json(
        data,
        &[
            "goal",
            "add",
            "--student",
            &sid,
            "--title",
            title,
            "--subject",
            "Maths",
        ],
    ));
    let p = photo(photo_rel);
    let e = id(&cli_ok_json(
        data,
        &[
            "evidence",
            "add",
            "--student",
            &sid,
            "--goal",
            &goal.to_string(),
            "--photo",
            p.to_str().unwrap(),
            "--words",
            words,
            "--message",
            "Look what I did!",
        ],
    ));
    cli_ok(data, &["review", "approve", &e.to_string()]);
    goal
}

fn class() -> Class {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("class");
    cli(&data).args(INIT_ARGS).assert().success();
    let mia = student(&data, "Mia", "Chen", Some("Star"));
    let tomas = student(&data, "Tomás", "Ruiz", None);
    let ana = student(&data, "Ana", "Kowalski", None);
    let leo = student(&data, "Leo", "Park", None);
    for (s, email, lang) in [
        (mia, "li.chen@family.example", "en"),
        (tomas, "rosa.ruiz@family.example", "es"),
        (ana, "kowalski@family.example", "en"),
    ] {
        cli_ok(
            &data,
            &[
                "contact",
                "add",
                "--name",
                "A parent",
                "--email",
                email,
                "--language",
                lang,
                "--student",
                &s.to_string(),
            ],
        );
    }
    for s in [mia, tomas, ana, leo] {
        for p in ["blog", "name_on_blog", "photo_on_blog"] {
            consent(&data, s, p, "yes");
        }
        consent(
            &data,
            s,
            "email_family",
            if s == ana { "no" } else { "yes" },
        );
    }
    achieved(
        &data,
        mia,
        "I can count to 100",
        "orientation/portrait_6.jpg",
        "I counted all the beads.",
    );
    let g = achieved(
        &data,
        tomas,
        "I can add two-digit numbers",
        "gps/DSCN0010.jpg",
        "Mia Chen helped me and then Mia checked my sums.",
    );
    cli_ok(
        &data,
        &[
            "goal",
            "add",
            "--student",
            &tomas.to_string(),
            "--title",
            "I can subtract two-digit numbers",
            "--next-of",
            &g.to_string(),
        ],
    );
    achieved(
        &data,
        ana,
        "I can measure with a ruler",
        "gps/DSCN0021.jpg",
        "I measured the table with Tomás Ruiz.",
    );
    cli_ok(
        &data,
        &[
            "goal",
            "add",
            "--student",
            &leo.to_string(),
            "--title",
            "I can tie my shoes",
        ],
    );
    Class {
        _tmp: tmp,
        data,
        mia,
        tomas,
        ana,
        leo,
    }
}

/// Every file under `dir`, relative, `/`-separated.
fn rel_files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = files_under(dir)
        .into_iter()
        .map(|p| {
            p.strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    v.sort();
    v
}

/// All text of a folder's HTML and JSON files.
fn text_of(dir: &Path) -> String {
    files_under(dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "html" || e == "json"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

fn json(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("portfolio.json")).unwrap()).unwrap()
}

fn export_student(c: &Class, s: i64, dir: &Path, extra: &[&str]) -> serde_json::Value {
    let sid = s.to_string();
    let args = [&["export", "student", &sid, dir.to_str().unwrap()], extra].concat();
    cli_ok_json(&c.data, &args)
}

/// Leftover staging folders beside an export.
fn staging_left(parent: &Path) -> Vec<String> {
    std::fs::read_dir(parent)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".goalpost-export-"))
        .collect()
}

#[test]
fn a_portfolio_is_valid_self_contained_html_with_clean_photos_in_the_familys_language() {
    let c = class();
    let out = c._tmp.path().join("usb").join("tomas");
    let r = export_student(&c, c.tomas, &out, &[]);
    assert_eq!(r["students"][0]["language"], "es", "{r}");
    assert_eq!(r["students"][0]["photos"], 1, "{r}");

    // The files, named by nothing but fixed words and hashes.
    let files = rel_files(&out);
    assert_eq!(files.len(), 3, "{files:?}");
    assert_eq!(files[0], "index.html");
    assert_eq!(files[2], "portfolio.json");
    let photo_name = files[1].strip_prefix("photos/").unwrap();
    assert!(
        photo_name
            .strip_suffix("-1600.jpg")
            .is_some_and(|h| h.len() == 32 && h.chars().all(|c| c.is_ascii_hexdigit())),
        "{photo_name}"
    );

    // Valid, every link and image inside the folder, nothing from the network.
    blog_support::validate_html(&out);
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    let links = blog_support::links(&html);
    assert!(links.iter().any(|l| l == &files[1]), "{links:?}");
    for l in &links {
        assert!(
            !l.contains("://") && !l.starts_with("//"),
            "external link {l}"
        );
    }
    assert!(blog_support::check_links(&out) >= 4);
    assert!(!html.contains("<script"), "no script");
    assert!(!html.contains("<link"), "no outside style sheet");
    assert!(html.contains("@media print"), "a print style");

    // In Spanish: the first contact's language.
    assert!(html.contains("<html lang=\"es\""), "{html}");
    assert!(html.contains("El año de Tomás"), "{html}");
    assert!(html.contains("En palabras de Tomás"));
    assert!(html.contains("I can add two-digit numbers"));
    assert!(
        html.contains("I can subtract two-digit numbers"),
        "the goal to come"
    );

    // The photo: re-encoded, no EXIF/GPS (the original has GPS: see tests/photo.rs).
    photo_support::assert_no_metadata(
        &std::fs::read(out.join(&files[1])).unwrap(),
        "portfolio photo",
    );
    for (f, groups) in photo_support::exiftool_groups(&[out.join(&files[1])]) {
        assert!(
            groups.is_empty(),
            "exiftool finds {groups:?} in {}",
            f.display()
        );
    }

    // The JSON holds the same content.
    let j = json(&out);
    assert_eq!(j["format"], "goalpost-portfolio");
    assert_eq!(j["version"], 1);
    assert_eq!(j["language"], "es");
    assert_eq!(j["student"]["id"], c.tomas);
    assert_eq!(j["student"]["name"], "Tomás");
    assert_eq!(j["evidence"].as_array().unwrap().len(), 1);
    assert_eq!(j["evidence"][0]["photo"], files[1].as_str());
    assert_eq!(j["evidence"][0]["message"], "Look what I did!");
    assert_eq!(
        j["goals_reached"][0]["title"],
        "I can add two-digit numbers"
    );
    assert_eq!(
        j["goals_to_come"][0]["title"],
        "I can subtract two-digit numbers"
    );
}

#[test]
fn a_portfolio_never_names_a_pseudonymised_child_nor_a_last_name() {
    let c = class();
    let out = c._tmp.path().join("tomas");
    export_student(&c, c.tomas, &out, &[]);
    let text = text_of(&out);
    assert!(
        text.contains("Star helped me and then Star checked"),
        "{text}"
    );
    for name in ["Mia", "Chen", "Ruiz"] {
        assert!(
            !has_word(&text, name),
            "{name} in Tomás's portfolio:\n{text}"
        );
    }
    // Ana names Tomás with his last name: his display name only.
    let out = c._tmp.path().join("ana");
    export_student(&c, c.ana, &out, &[]);
    let text = text_of(&out);
    assert!(text.contains("with Tomás."), "{text}");
    assert!(!has_word(&text, "Ruiz"), "{text}");
    assert!(
        !has_word(&text, "Kowalski"),
        "no last name of the child either"
    );
}

#[test]
fn without_email_family_consent_the_photo_stays_out_and_the_page_says_why() {
    let c = class();
    let out = c._tmp.path().join("ana");
    let r = export_student(&c, c.ana, &out, &[]);
    assert_eq!(r["students"][0]["photos"], 0, "{r}");
    assert_eq!(r["students"][0]["photos_withheld"], 1, "{r}");
    assert_eq!(rel_files(&out), ["index.html", "portfolio.json"]);
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(!html.contains("<img"), "{html}");
    assert!(
        html.contains("consent to family email"),
        "the page says why: {html}"
    );
    assert!(
        html.contains("I measured the table"),
        "the evidence is listed"
    );
    let j = json(&out);
    assert_eq!(j["evidence"][0]["photo"], serde_json::Value::Null);
    assert_eq!(
        j["evidence"][0]["photo_left_out"],
        "no_email_family_consent"
    );
    blog_support::validate_html(&out);

    // Consent given later: the next export has the photo.
    consent(&c.data, c.ana, "email_family", "yes");
    let again = c._tmp.path().join("ana-again");
    let r = export_student(&c, c.ana, &again, &[]);
    assert_eq!(r["students"][0]["photos"], 1, "{r}");
    assert!(std::fs::read_to_string(again.join("index.html"))
        .unwrap()
        .contains("<img"));
}

#[test]
fn language_is_the_first_contacts_else_the_classs_or_the_one_asked_for() {
    let c = class();
    let out = c._tmp.path().join("tomas-en");
    let r = export_student(&c, c.tomas, &out, &["--language", "en"]);
    assert_eq!(r["students"][0]["language"], "en");
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(html.contains("<html lang=\"en\""));
    assert!(
        html.contains("<h1>Tomás&#x27;s year in Room 7</h1>"),
        "{html}"
    );

    // Leo has no contact: the class's language; nothing shared yet.
    let out = c._tmp.path().join("leo");
    let r = export_student(&c, c.leo, &out, &[]);
    assert_eq!(r["students"][0]["language"], "en");
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(html.contains("No work was shared this year."), "{html}");
    assert!(html.contains("I can tie my shoes"));
    blog_support::validate_html(&out);

    // A language with no portfolio words is refused, naming the ones there are.
    let bad = c._tmp.path().join("bad");
    let out = cli(&c.data)
        .args([
            "export",
            "student",
            "Leo",
            bad.to_str().unwrap(),
            "--language",
            "xx",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no portfolio words in \"xx\"") && err.contains("en, es"),
        "{err}"
    );
    assert!(!bad.exists());
}

#[test]
fn export_class_writes_one_folder_per_student_by_id_and_keeps_each_childs_data_in_their_own() {
    let c = class();
    // An erased child is not exported.
    let gone = student(&c.data, "Rua", "Hemi", None);
    cli_ok(&c.data, &["student", "remove", &gone.to_string()]);
    let out = c._tmp.path().join("year");
    let r = cli_ok_json(&c.data, &["export", "class", out.to_str().unwrap()]);
    assert_eq!(r["students"].as_array().unwrap().len(), 4, "{r}");

    let mut dirs: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    let mut want: Vec<String> = [c.mia, c.tomas, c.ana, c.leo]
        .iter()
        .map(|i| format!("s{i}"))
        .collect();
    want.sort();
    assert_eq!(dirs, want);
    assert!(out.join("index.html").is_file(), "the teacher's index");
    blog_support::validate_html(&out);
    blog_support::check_links(&out);

    // No name in any file or folder name.
    for f in rel_files(&out) {
        for name in [
            "Mia", "Chen", "Star", "Tomás", "Tomas", "Ruiz", "Ana", "Kowalski", "Leo", "Park",
            "Rua", "Hemi",
        ] {
            assert!(
                !f.to_lowercase().contains(&name.to_lowercase()),
                "{name} in {f}"
            );
        }
    }
    // Each child's folder holds their own evidence only, and no other child's words.
    let own_words = [
        (c.mia, "I counted all the beads."),
        (c.tomas, "helped me and then"),
        (c.ana, "I measured the table"),
    ];
    for s in [c.mia, c.tomas, c.ana, c.leo] {
        let dir = out.join(format!("s{s}"));
        let j = json(&dir);
        assert_eq!(j["student"]["id"], s);
        let text = text_of(&dir);
        for (other, words) in own_words {
            assert_eq!(text.contains(words), other == s, "{words} in s{s}");
        }
        assert!(!has_word(&text, "Rua"), "an erased child");
    }
    // The photos each folder holds are its own child's (the hashes differ).
    let photos = |s: i64| rel_files(&out.join(format!("s{s}")));
    assert_ne!(photos(c.mia), photos(c.tomas));
    assert_eq!(
        photos(c.ana),
        ["index.html", "portfolio.json"],
        "no consent, no photo"
    );
}

#[test]
fn a_folder_that_is_not_empty_is_refused_and_left_as_it_was() {
    let c = class();
    let out = c._tmp.path().join("taken");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    let o = cli(&c.data)
        .args(["export", "class", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("is not empty") && err.contains("nothing was written"),
        "{err}"
    );
    assert_eq!(rel_files(&out), ["notes.txt"]);
    // An empty folder is fine.
    let empty = c._tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    export_student(&c, c.mia, &empty, &[]);
    assert!(empty.join("index.html").is_file());
    assert!(staging_left(c._tmp.path()).is_empty());
}

#[test]
fn a_failed_export_leaves_no_half_written_portfolio() {
    let c = class();
    // Tomás's photo is gone, original and copies: no portfolio can show it.
    let tomas_hash = cli_ok_json(&c.data, &["review", "list", "--all"])
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["student_id"] == c.tomas)
        .and_then(|e| e["photo_hash"].as_str().map(str::to_string))
        .unwrap();
    for f in files_under(&c.data.join("photos")) {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with(&tomas_hash[..32]) {
            std::fs::remove_file(f).unwrap();
        }
    }
    let out = c._tmp.path().join("year");
    let o = cli(&c.data)
        .args(["export", "class", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        !o.status.success(),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(!out.exists(), "nothing half-written");
    assert!(
        staging_left(c._tmp.path()).is_empty(),
        "no staging folder left"
    );
}
