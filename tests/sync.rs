//! `goalpost sync` as a teacher runs it: a dry run that changes nothing and says what each
//! family would receive, a sync that fills the blog, the outbox and the print folder, a
//! second sync that does nothing, and the school's publish command.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::SystemTime;

use common::*;
use goalpost::{Clock, Goalpost};
use serde_json::Value;

fn demo() -> (tempfile::TempDir, std::path::PathBuf) {
    demo_data_dir(8)
}

fn sync_json(data: &Path, extra: &[&str]) -> Value {
    let out = cli(data)
        .arg("sync")
        .args(extra)
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "sync failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Every file under `dir` with its modification time.
fn files(dir: &Path) -> BTreeMap<String, SystemTime> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().display().to_string();
                out.insert(rel, e.metadata().unwrap().modified().unwrap());
            }
        }
    }
    out
}

#[test]
fn a_dry_run_changes_nothing_and_shows_each_family_what_they_would_receive() {
    let (_d, data) = demo();
    let before = dump(&data);
    let s = sync_json(&data, &["--dry-run"]);
    assert_eq!(s["dry_run"], true);
    assert_eq!(
        before,
        dump(&data),
        "a dry run must not change the database"
    );
    for dir in ["blog", "outbox", "print"] {
        assert!(!data.join(dir).exists(), "a dry run must not write {dir}");
    }
    let families = s["families"].as_array().unwrap();
    assert!(!families.is_empty());
    for f in families {
        assert!(f["language"].is_string() && f["language_used"].is_string());
        assert!(["email", "weekly", "paper"].contains(&f["channel"].as_str().unwrap()));
        for d in f["deliveries"].as_array().unwrap() {
            if d["kind"] == "invitation" {
                // The demo's sharing time: about no evidence (tests/invitations.rs).
                assert!(d["sharing"]["id"].is_i64(), "{d}");
            } else {
                assert!(!d["items"].as_array().unwrap().is_empty());
            }
        }
    }
    // The Māori-speaking contact's messages would fall back to the class language.
    assert!(families
        .iter()
        .any(|f| f["language"] == "mi" && f["language_used"] == "en"));
    assert!(s["new_posts"].as_u64().unwrap() > 0);
    assert!(s["blog"]["written"].as_array().unwrap().len() > 5);
}

#[test]
fn sync_fills_blog_outbox_and_print_then_a_second_sync_does_nothing() {
    let (_d, data) = demo();
    let first = sync_json(&data, &[]);
    let mail = &first["mail"];
    assert!(mail["sent"].as_u64().unwrap() > 0);
    assert!(mail["slips"].as_u64().unwrap() > 0);
    assert!(first["new_posts"].as_u64().unwrap() > 0);
    assert!(data.join("blog/index.html").is_file());
    let emls = std::fs::read_dir(data.join("outbox")).unwrap().count();
    assert_eq!(
        emls as u64,
        mail["sent"].as_u64().unwrap() + mail["digests"].as_u64().unwrap()
    );
    assert!(std::fs::read_dir(data.join("print")).unwrap().count() > 0);
    // The blog can be served as it is: its files are readable by the web server.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(data.join("blog/index.html"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o044,
            0o044,
            "blog pages must be world-readable: {mode:o}"
        );
    }
    // Photos on the blog are web copies named by hash, never originals.
    let media = files(&data.join("blog/media"));
    assert!(!media.is_empty());
    assert!(media
        .keys()
        .all(|m| m.ends_with("-1600.jpg") || m.ends_with("-1024.jpg") || m.ends_with("-400.jpg")));

    let before = files(&data);
    let db_before = dump(&data);
    let second = sync_json(&data, &[]);
    assert_eq!(second["new_posts"], 0);
    assert_eq!(second["mail"]["sent"], 0);
    assert_eq!(second["mail"]["digests"], 0);
    assert_eq!(second["mail"]["slips"], 0);
    assert!(second["blog"]["written"].as_array().unwrap().is_empty());
    let after = files(&data);
    for (f, t) in &before {
        if f.starts_with("goalpost.sqlite3") || f == "sync.lock" {
            continue;
        }
        assert_eq!(
            after.get(f),
            Some(t),
            "{f} was rewritten by a sync with nothing new"
        );
    }
    // Only the sync run's own record is new in the database.
    let strip = |s: &str| {
        s.split("## ")
            .filter(|t| !t.starts_with("sync_runs"))
            .collect::<Vec<_>>()
            .join("## ")
    };
    assert_eq!(strip(&db_before), strip(&dump(&data)));
    // Both runs are recorded with their summaries.
    let gp = Goalpost::open(&data).unwrap();
    let runs: i64 = gp
        .store()
        .conn()
        .query_row(
            "SELECT count(*) FROM sync_runs WHERE status = 'ok' AND summary IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(runs, 2);
}

#[test]
fn the_publish_command_runs_after_a_build_that_changed_the_blog() {
    let (d, data) = demo();
    let marker = d.path().join("published.txt");
    cli(&data)
        .args(["config", "set", "blog.publish_command"])
        .arg(format!(
            "ls index.html >> '{}' && echo copied",
            marker.display()
        ))
        .assert()
        .success();
    let s = sync_json(&data, &[]);
    assert_eq!(s["publish"]["ok"], true);
    assert!(s["publish"]["output"].as_str().unwrap().contains("copied"));
    assert_eq!(std::fs::read_to_string(&marker).unwrap(), "index.html\n");
    // Nothing changed: nothing to publish.
    let s = sync_json(&data, &[]);
    assert!(s["publish"].is_null());
    assert_eq!(std::fs::read_to_string(&marker).unwrap().lines().count(), 1);

    // A failing command is reported with its output, and the sync says so.
    let gp = Goalpost::open(&data)
        .unwrap()
        .with_clock(Clock::fixed(NOW.parse().unwrap()));
    gp.set_setting("blog.publish_command", "echo no route to host >&2; exit 7")
        .unwrap();
    gp.add_student("Newcomer", "Late", None).unwrap();
    let newcomer = gp.find_student("Newcomer").unwrap();
    for p in goalpost::Purpose::ALL {
        gp.set_consent(newcomer.id, p, true, "form").unwrap();
    }
    let g = gp
        .add_goal(newcomer.id, "I can say hello", "Reading", None)
        .unwrap();
    let e = gp
        .add_evidence(newcomer.id, g.id, None, "Hello!", "")
        .unwrap();
    gp.approve(&[e.id]).unwrap();
    let out = cli(&data).args(["sync", "--json"]).output().unwrap();
    assert!(
        !out.status.success(),
        "a failed publish is a failed sync for scripts"
    );
    let s: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["publish"]["ok"], false);
    assert_eq!(s["publish"]["exit_code"], 7);
    assert!(s["publish"]["output"]
        .as_str()
        .unwrap()
        .contains("no route to host"));
    // The next sync publishes again although the blog did not change, until it works.
    gp.set_setting("blog.publish_command", "echo fixed")
        .unwrap();
    let s = sync_json(&data, &[]);
    assert!(s["blog"]["written"].as_array().unwrap().is_empty());
    assert_eq!(s["publish"]["ok"], true);
    let s = sync_json(&data, &[]);
    assert!(s["publish"].is_null());
}

/// Issue 14: a dry run decides what is due with the same pure function a sync queues from,
/// so it needs no copy of the database (it used to back it up into a temporary folder): it
/// runs where no temporary folder can be made, and what it shows each family is exactly
/// what the sync then queues for them.
#[test]
fn a_dry_run_copies_no_database_and_shows_what_the_sync_then_queues() {
    let (_d, data) = demo();
    let out = cli(&data)
        .env("TMPDIR", data.join("no-such-folder"))
        .args(["sync", "--dry-run", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "a dry run needs no temporary folder: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let preview: Value = serde_json::from_slice(&out.stdout).unwrap();
    let shown: std::collections::BTreeSet<(u64, String, Vec<u64>)> = preview["families"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| {
            f["deliveries"].as_array().unwrap().iter().map(|d| {
                (
                    f["contact_id"].as_u64().unwrap(),
                    d["kind"].as_str().unwrap().to_string(),
                    d["items"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|i| i["evidence_id"].as_u64().unwrap())
                        .collect(),
                )
            })
        })
        .collect();
    assert!(!shown.is_empty());

    let s = sync_json(&data, &[]);
    assert_eq!(preview["would_queue"], s["mail"]["queued"]);
    let gp = Goalpost::open(&data).unwrap();
    let queued: std::collections::BTreeSet<(u64, String, Vec<u64>)> =
        goalpost::store::outbox::list(gp.store().conn(), false)
            .unwrap()
            .into_iter()
            .map(|d| {
                (
                    d.contact_id as u64,
                    d.kind.as_str().to_string(),
                    d.evidence_ids.iter().map(|e| *e as u64).collect(),
                )
            })
            .collect();
    assert_eq!(shown, queued);
}
