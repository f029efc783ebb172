//! Issue 15: backups through a year, in a seeded, bounded sequence of steps (about 40 by
//! default): children join and are erased, evidence is approved, consent is withdrawn, the
//! class syncs day after day (each first sync of a day makes the automatic backup), the
//! teacher makes backups, and a backup is restored on "another PC". After every step:
//!
//! - every automatic backup in `backups/` is a whole, sound archive (restoring it into a
//!   new folder works), and the rotation keeps at most `keep_daily + keep_weekly` of them;
//! - no automatic backup, and no file the class's data folder holds outside the teacher's
//!   own backups and `before-restore` copies, names a child erased before it;
//! - the newest backup restored on "another PC" (a new folder) syncs there, and no file of
//!   that class names a child erased before the backup was made.
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
    let steps = env_number("GOALPOST_BACKUP_STEPS", 40) as usize;
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

    for step in 0..steps {
        let what = match rng.below(10) {
            0 | 1 if children.iter().filter(|k| !k.erased).count() < 5 => "join",
            2 | 3 => "evidence",
            4 => "withdraw",
            5 => "erase",
            6 => "backup",
            7 => "restore elsewhere",
            _ => "next day",
        };
        log.push(format!("{step}: {what}"));
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
                c.run(&["student", "remove", &children[i].id.to_string()]);
                children[i].erased = true;
                children[i].erased_at = Some(step);
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
                let s = c.sync();
                if let Some(f) = s["auto_backup"]["file"].as_str() {
                    made_at.push((PathBuf::from(f), step));
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
