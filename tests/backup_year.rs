//! Issue 15: backups through a year, in a seeded, bounded sequence of steps (60 by
//! default): children join and are erased, evidence is approved, consent is withdrawn, the
//! class syncs day after day (each first sync of a day makes the automatic backup), the
//! teacher makes backups, and a backup is restored on "another PC". After every step:
//!
//! - every automatic backup in `backups/` is a whole, sound archive (restoring it into a
//!   new folder works), and the rotation keeps at most `keep_daily + keep_weekly` of them;
//! - no automatic backup, and no file the class's data folder holds outside the teacher's
//!   own backups and `before-restore` copies, names a child erased before it;
//! - the newest backup restored on "another PC" (a new folder) syncs there, and no file of
//!   that class names a child erased before the backup was made;
//! - the teacher also moves `backup.dir` between two USB sticks and `backups/`, and
//!   unplugs and plugs them in: no automatic backup on a stick that is plugged in names an
//!   erased child, except on one that was away when the child was erased and has not seen
//!   a sync since it came back; the erasure names such a stick, and so does every sync
//!   while it is away (`backup_folders_to_clean`).
//!
//! `GOALPOST_BACKUP_SEED` and `GOALPOST_BACKUP_STEPS` change the sequence; a failure prints
//! the seed and the steps so far.

mod common;
mod privacy_support;

use std::path::{Path, PathBuf};

use privacy_support::{env_number, Class, Rng};

const POOL: [(&str, &str); 8] = [
    ("Aroha", "Ngata"),
    ("Mei", "Chen"),
    ("Zoë", "Müller"),
    ("Sione", "Taufa"),
    ("Priya", "Sharma"),
    ("Mateo", "García"),
    ("Ingrid", "Larsen"),
    ("Kofi", "Mensah"),
];

struct Child {
    id: i64,
    first: &'static str,
    last: &'static str,
    erased: bool,
    /// The step at which the child was erased.
    erased_at: Option<usize>,
}

/// The step at which the backup `file` was written, as `made_at` recorded it.
fn file_step(file: &Path, made_at: &[(PathBuf, usize)]) -> Option<usize> {
    made_at
        .iter()
        .rev()
        .find(|(p, _)| p == file)
        .map(|(_, s)| *s)
}

/// The names in `text` of children erased: (first, last) whole names or last names.
fn erased_named(children: &[Child], text: &str) -> Vec<String> {
    children
        .iter()
        .filter(|c| c.erased)
        .filter(|c| text.contains(c.last) || text.contains(&format!("{} {}", c.first, c.last)))
        .map(|c| format!("{} {}", c.first, c.last))
        .collect()
}

/// Every file under `dir` as bytes, by path.
fn all_files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    common::files_under(dir)
        .into_iter()
        .filter_map(|p| std::fs::read(&p).ok().map(|b| (p, b)))
        .collect()
}

#[test]
fn backups_through_a_year_keep_every_child_rule() {
    let seed = env_number("GOALPOST_BACKUP_SEED", 0x15_ba_c0);
    let steps = env_number("GOALPOST_BACKUP_STEPS", 60) as usize;
    let mut rng = Rng(seed | 1);
    let c = Class::new();
    c.run(&["config", "set", "backup.keep_daily", "3"]);
    c.run(&["config", "set", "backup.keep_weekly", "2"]);
    let mut children: Vec<Child> = Vec::new();
    let mut hand_made: Vec<PathBuf> = Vec::new();
    let mut log: Vec<String> = Vec::new();
    // When each backup was written (the teacher's; automatic ones at the day's first sync).
    let mut made_at: Vec<(PathBuf, usize)> = Vec::new();
    let backups = c.data.join("backups");
    let elsewhere_root = c.root.join("elsewhere");
    // Two USB sticks for automatic backups: where each is when plugged in, whether it is,
    // whether an automatic backup was ever written to it, and whether an erasure is
    // waiting for it (it was away when a child was erased, and no sync ran since it came
    // back). `current`: the stick `backup.dir` names (None: `backups/`).
    let sticks = [c.root.join("usb A"), c.root.join("usb B")];
    let away = |i: usize| c.root.join(format!("drawer {i}"));
    let mut plugged = [true, true];
    let mut written = [false, false];
    let mut waiting = [false, false];
    let mut current: Option<usize> = None;
    for stick in &sticks {
        std::fs::create_dir_all(stick).unwrap();
    }

    for step in 0..steps {
        let what = match rng.below(13) {
            0 | 1 if children.iter().filter(|k| !k.erased).count() < 5 => "join",
            2 | 3 => "evidence",
            4 => "withdraw",
            5 => "erase",
            6 => "backup",
            7 => "restore elsewhere",
            10 => "move backups",
            11 => "unplug",
            12 => "plug in",
            _ => "next day",
        };
        // With the sticks as they were before the step.
        log.push(format!(
            "{step}: {what} (sticks A, B: plugged {plugged:?}, written {written:?}, waited for {waiting:?}; backup.dir {})",
            current.map_or("backups/", |k| ["usb A", "usb B"][k])
        ));
        let fail = |msg: String| -> ! {
            panic!(
                "seed {seed:#x} (GOALPOST_BACKUP_SEED), steps:\n  {}\n{msg}",
                log.join("\n  ")
            )
        };
        let living: Vec<usize> = (0..children.len())
            .filter(|&i| !children[i].erased)
            .collect();
        match what {
            "join" => {
                let free: Vec<_> = POOL
                    .iter()
                    .filter(|(f, _)| !children.iter().any(|k| k.first == *f))
                    .collect();
                if let Some(&&(first, last)) = free.first() {
                    let id = c.student(first, last, [true; 4]);
                    // The family's name is theirs, not the child's: it names no child.
                    c.contact(
                        &format!("Whānau {id}"),
                        &format!("f{id}@family.example"),
                        id,
                        "email",
                    );
                    children.push(Child {
                        id,
                        first,
                        last,
                        erased: false,
                        erased_at: None,
                    });
                }
            }
            "evidence" if !living.is_empty() => {
                let k = &children[living[rng.below(living.len())]];
                let words = format!("I can count with {} and {}", k.first, k.last);
                c.achieve(
                    k.id,
                    "I can count to 100",
                    &words,
                    Some(1 + rng.below(3) as u32),
                );
            }
            "withdraw" if !living.is_empty() => {
                let k = &children[living[rng.below(living.len())]];
                c.consent(k.id, "photo_on_blog", false);
            }
            "erase" if !living.is_empty() => {
                let i = living[rng.below(living.len())];
                let r = c.json(&["student", "remove", &children[i].id.to_string()]);
                children[i].erased = true;
                children[i].erased_at = Some(step);
                // A stick away that may hold the child: named, and waited for.
                let mut expected = Vec::new();
                for s in 0..2 {
                    if !plugged[s] && (written[s] || current == Some(s)) {
                        waiting[s] = true;
                        expected.push(serde_json::json!(sticks[s]));
                    }
                }
                if r["backup_folders_missing"] != serde_json::Value::Array(expected.clone()) {
                    fail(format!(
                        "the erasure names {} as away, not {expected:?}",
                        r["backup_folders_missing"]
                    ));
                }
            }
            "move backups" => {
                let to = rng.below(3);
                let target = (to < 2 && plugged[to]).then_some(to);
                let value = target.map(|s| sticks[s].to_string_lossy().into_owned());
                c.run(&[
                    "config",
                    "set",
                    "backup.dir",
                    value.as_deref().unwrap_or(""),
                ]);
                current = target;
            }
            "unplug" => {
                let s = rng.below(2);
                if plugged[s] {
                    std::fs::rename(&sticks[s], away(s)).unwrap();
                    plugged[s] = false;
                }
            }
            "plug in" => {
                let s = rng.below(2);
                if !plugged[s] {
                    std::fs::rename(away(s), &sticks[s]).unwrap();
                    plugged[s] = true;
                }
            }
            "backup" => {
                let f = c.root.join(format!("hand {step}.goalpost"));
                c.run(&["backup", f.to_str().unwrap()]);
                made_at.push((f.clone(), step));
                hand_made.push(f);
            }
            "restore elsewhere" => {
                // The PC dies: the newest backup (the teacher's or an automatic one) is
                // restored on another, into a new folder, and synced there.
                let mut choices = hand_made.clone();
                choices.extend(
                    common::files_under(&backups)
                        .into_iter()
                        .filter(|p| p.extension().is_some_and(|e| e == "goalpost")),
                );
                let modified = |p: &PathBuf| std::fs::metadata(p).and_then(|m| m.modified()).ok();
                let Some(file) = choices.iter().max_by_key(|p| (modified(p), (*p).clone())) else {
                    continue;
                };
                let there = elsewhere_root.join(format!("pc{step}"));
                let run = |args: &[&str]| {
                    common::cli(&there)
                        .env("GOALPOST_NOW", c.now().to_rfc3339())
                        .args(args)
                        .output()
                        .unwrap()
                };
                let out = run(&["restore", file.to_str().unwrap()]);
                if !out.status.success() {
                    fail(format!(
                        "{} did not restore: {}",
                        file.display(),
                        String::from_utf8_lossy(&out.stderr)
                    ));
                }
                // The class goes on here, with its automatic backups in its own folder:
                // the sticks are the first PC's (this test goes on with that class too).
                run(&["config", "set", "backup.dir", ""]);
                let out = run(&["sync", "--json"]);
                if !out.status.success() {
                    fail(format!(
                        "the restored class does not sync: {}",
                        String::from_utf8_lossy(&out.stderr)
                    ));
                }
                // Every child erased before that backup was made stays erased there.
                let erased_then: Vec<&Child> = children
                    .iter()
                    .filter(|k| {
                        k.erased_at
                            .is_some_and(|at| Some(at) <= file_step(file, &made_at))
                    })
                    .collect();
                for (path, bytes) in all_files(&there) {
                    let text = String::from_utf8_lossy(&bytes);
                    for k in &erased_then {
                        if text.contains(k.last) {
                            fail(format!(
                                "{} of the restored class names {} {}, erased before the backup",
                                path.display(),
                                k.first,
                                k.last
                            ));
                        }
                    }
                }
                std::fs::remove_dir_all(&there).ok();
            }
            _ => {
                c.later(1);
                // With `backup.dir` on a stick that is away, the sync's own backup fails
                // (and says so, exiting non-zero); everything else is done.
                let out = c.cmd().args(["--json", "sync"]).output().unwrap();
                let s: serde_json::Value = serde_json::from_slice(&out.stdout)
                    .unwrap_or_else(|e| fail(format!("no sync summary ({e}): {out:?}")));
                let backup_failed = s["auto_backup"]["ok"] == false;
                if out.status.success() == backup_failed {
                    fail(format!("the sync's exit does not match its backup: {s}"));
                }
                if backup_failed != current.is_some_and(|k| !plugged[k]) {
                    fail(format!(
                        "the automatic backup failed, or not, unexpectedly: {s}"
                    ));
                }
                if let Some(f) = s["auto_backup"]["file"].as_str() {
                    made_at.push((PathBuf::from(f), step));
                    if let Some(k) = sticks.iter().position(|d| Path::new(f).starts_with(d)) {
                        written[k] = true;
                    }
                }
                for k in 0..2 {
                    if plugged[k] {
                        waiting[k] = false;
                    }
                }
                let expected: Vec<serde_json::Value> = (0..2)
                    .filter(|&k| waiting[k])
                    .map(|k| serde_json::json!(sticks[k]))
                    .collect();
                let said = s
                    .get("backup_folders_to_clean")
                    .cloned()
                    .unwrap_or(serde_json::json!([]));
                if said != serde_json::Value::Array(expected.clone()) {
                    fail(format!(
                        "the sync names {said} as sticks to clean, not {expected:?}"
                    ));
                }
            }
        }
        // No automatic backup on a stick that is plugged in names a child erased, unless
        // an erasure still waits for that stick's sync.
        for k in (0..2).filter(|&k| plugged[k] && !waiting[k]) {
            for a in goalpost::backup::auto::automatic_files(&sticks[k]).unwrap() {
                let text = String::from_utf8_lossy(&std::fs::read(&a).unwrap()).into_owned();
                let named = erased_named(&children, &text);
                if !named.is_empty() {
                    fail(format!(
                        "{} names {named:?} after their erasure",
                        a.display()
                    ));
                }
            }
        }

        // After every step: the automatic backups are sound, rotated, and hold no erased
        // child; no other file but the teacher's own backups and before-restore copies
        // names one.
        let autos: Vec<PathBuf> = common::files_under(&backups)
            .into_iter()
            .filter(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("auto-"))
            })
            .collect();
        if autos.len() > 5 {
            fail(format!(
                "{} automatic backups kept, at most 3 + 2",
                autos.len()
            ));
        }
        for (path, bytes) in all_files(&c.data) {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.starts_with("before-restore-") || name == "sync.lock" {
                continue;
            }
            let text = String::from_utf8_lossy(&bytes);
            let named = erased_named(&children, &text);
            if !named.is_empty() {
                fail(format!(
                    "{} names {named:?} after their erasure",
                    path.display()
                ));
            }
        }
        if what == "next day" {
            for a in &autos {
                let there = elsewhere_root.join("check");
                let r =
                    goalpost::backup::restore_into_new(&there, a, goalpost::Clock::fixed(c.now()));
                if let Err(e) = r {
                    fail(format!("{} does not restore: {e}", a.display()));
                }
                std::fs::remove_dir_all(&there).ok();
            }
        }
    }
}
