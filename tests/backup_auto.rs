//! Issue 15, parts 2 and 4: automatic backups, day after day, and the retention of photo
//! originals (`photo.keep_originals_days`). Driven through the library with a clock that
//! moves on a day at a time, and through the CLI where the teacher sees the result.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use goalpost::{Clock, Goalpost};

fn at(day: i64) -> DateTime<Utc> {
    // 09:00 UTC: the evening of the same day in Auckland, the demo class's time zone.
    "2026-09-07T09:00:00Z".parse::<DateTime<Utc>>().unwrap() + Duration::days(day)
}

fn open(data: &Path, day: i64) -> Goalpost {
    Goalpost::open(data)
        .unwrap()
        .with_clock(Clock::fixed(at(day)))
}

fn names(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The days of the automatic backups in `dir`, by their names `auto-YYYY-MM-DD.goalpost`.
fn auto_days(dir: &Path) -> BTreeSet<NaiveDate> {
    names(dir)
        .iter()
        .filter_map(|n| {
            n.strip_prefix("auto-")?
                .strip_suffix(".goalpost")?
                .parse()
                .ok()
        })
        .collect()
}

/// What the rotation should keep, written here from the setting's words: the newest
/// `daily` days, and the newest day of each of the newest `weekly` weeks.
fn kept(days: &[NaiveDate], daily: usize, weekly: usize) -> BTreeSet<NaiveDate> {
    let mut keep: BTreeSet<NaiveDate> = days.iter().rev().take(daily).copied().collect();
    let mut newest_of_week: BTreeMap<(i32, u32), NaiveDate> = BTreeMap::new();
    for d in days {
        let w = (d.iso_week().year(), d.iso_week().week());
        let e = newest_of_week.entry(w).or_insert(*d);
        *e = (*e).max(*d);
    }
    keep.extend(newest_of_week.values().rev().take(weekly));
    keep
}

fn local_day(day: i64) -> NaiveDate {
    at(day)
        .with_timezone(&chrono_tz::Pacific::Auckland)
        .date_naive()
}

#[test]
fn automatic_backups_rotate_as_configured_and_spare_every_other_backup() {
    let d = tempfile::tempdir().unwrap();
    let data = d.path().join("class");
    let gp = Goalpost::create(&data)
        .unwrap()
        .with_clock(Clock::fixed(at(0)));
    gp.create_demo(3).unwrap();
    gp.set_setting("backup.keep_daily", "3").unwrap();
    gp.set_setting("backup.keep_weekly", "2").unwrap();
    let backups = data.join("backups");
    std::fs::create_dir_all(&backups).unwrap();
    // The teacher's own backups, a before-restore copy, and files whose names only look
    // like automatic ones: none is ever removed.
    gp.backup(&backups.join("room7 term 3.goalpost")).unwrap();
    let hand_made = std::fs::read(backups.join("room7 term 3.goalpost")).unwrap();
    for other in [
        "before-restore-20260901T101010.goalpost",
        "auto-2026-09-01.goalpost.old",
        "auto-2026-09-01-2.goalpost",
        "my auto-2026-09-02.goalpost",
        "goalpost-20260901-101010.sqlite3",
    ] {
        std::fs::write(backups.join(other), &hand_made).unwrap();
    }
    let others: BTreeMap<String, Vec<u8>> = names(&backups)
        .into_iter()
        .map(|n| {
            let b = std::fs::read(backups.join(&n)).unwrap();
            (n, b)
        })
        .collect();

    let mut days = Vec::new();
    for day in 0..19 {
        let gp = open(&data, day);
        let mut heard = 0;
        let s = gp
            .sync(false, &mut |e| {
                heard += matches!(e, goalpost::sync::Event::Backup) as usize
            })
            .unwrap();
        assert_eq!(heard, 1, "the progress says a backup is being made");
        assert!(s.all_ok());
        let a = s.auto_backup.expect("the first sync of a day makes one");
        assert!(a.ok, "day {day}: {:?}", a.error);
        days.push(local_day(day));
        let file = a.file.unwrap();
        assert_eq!(
            file,
            backups.join(format!("auto-{}.goalpost", local_day(day)))
        );
        // Another sync that day makes none, and says none.
        let mut heard = 0;
        let again = gp
            .sync(false, &mut |e| {
                heard += matches!(e, goalpost::sync::Event::Backup) as usize
            })
            .unwrap();
        assert!(again.auto_backup.is_none() && heard == 0);
        assert_eq!(
            auto_days(&backups),
            kept(&days, 3, 2),
            "day {day}: the automatic backups kept"
        );
        for (n, b) in &others {
            assert_eq!(
                std::fs::read(backups.join(n)).ok().as_ref(),
                Some(b),
                "day {day}: {n} was touched"
            );
        }
        let last = gp.last_auto_backup().unwrap().unwrap();
        assert!(last.ok && last.file.is_some());
    }
    // The newest restores into a new folder, and that class syncs.
    let newest = backups.join(format!("auto-{}.goalpost", days.last().unwrap()));
    let elsewhere = d.path().join("elsewhere");
    goalpost::backup::restore_into_new(&elsewhere, &newest, Clock::fixed(at(20))).unwrap();
    let restored = open(&elsewhere, 20);
    assert!(restored.sync(false, &mut |_| {}).unwrap().all_ok());
    assert_eq!(
        std::fs::read(backups.join("room7 term 3.goalpost")).unwrap(),
        hand_made
    );
}

/// A `backup.dir` on a USB stick that is not plugged in: the sync does everything else,
/// says so in its summary (text and --json) and exits non-zero; the Settings screen's
/// record says it failed; the next sync that day, with the stick back, makes it.
#[test]
fn a_failed_automatic_backup_is_reported_never_skipped() {
    let (d, data) = common::demo_data_dir(2);
    let usb = d.path().join("usb stick");
    std::fs::create_dir_all(&usb).unwrap();
    common::cli_ok(
        &data,
        &["config", "set", "backup.dir", usb.to_str().unwrap()],
    );
    std::fs::remove_dir(&usb).unwrap();

    let out = common::cli(&data)
        .args(["sync", "--json"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["auto_backup"]["ok"], false, "{s}");
    let why = s["auto_backup"]["error"].as_str().unwrap();
    assert!(
        why.contains("usb stick") && why.contains("backup.dir"),
        "{why}"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("automatic backup"), "{err}");
    // The blog was still built: only the backup failed.
    assert!(data.join("blog").join("index.html").is_file());
    let gp = Goalpost::open(&data).unwrap();
    let last = gp.last_auto_backup().unwrap().unwrap();
    assert!(!last.ok && last.error.unwrap().contains("usb stick"));

    std::fs::create_dir_all(&usb).unwrap();
    let text = common::cli_ok(&data, &["sync"]);
    assert!(text.contains("Automatic backup:"), "{text}");
    assert_eq!(auto_days(&usb).len(), 1);
    assert_eq!(
        names(&usb).len(),
        2,
        "the backup and the folder's class mark"
    );
    assert!(gp.last_auto_backup().unwrap().unwrap().ok);
}

/// Before a migration changes an existing class, the class is backed up as it was; the
/// backup restores, and is never rotated away.
#[test]
fn a_backup_is_made_before_a_migration_changes_the_database() {
    let d = tempfile::tempdir().unwrap();
    let data = d.path().join("class");
    std::fs::create_dir_all(&data).unwrap();
    let db = data.join("goalpost.sqlite3");
    {
        let mut c = rusqlite::Connection::open(&db).unwrap();
        goalpost::store::migrations().to_version(&mut c, 5).unwrap();
        c.pragma_update(None, "application_id", goalpost::store::APPLICATION_ID)
            .unwrap();
        c.execute_batch(
            "INSERT INTO students (id, first_name, last_name, created_at) VALUES (1, 'Ana', 'Ruiz', '2026-01-01');",
        )
        .unwrap();
    }
    let gp = Goalpost::open(&data).unwrap();
    let v: i64 = gp
        .store()
        .conn()
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(v as usize, goalpost::store::latest_version());
    let made: Vec<PathBuf> = names(&data.join("backups"))
        .into_iter()
        .filter(|n| n.starts_with("before-migration-v5-") && n.ends_with(".goalpost"))
        .map(|n| data.join("backups").join(n))
        .collect();
    assert_eq!(made.len(), 1, "{:?}", names(&data.join("backups")));
    // It holds the database as it was, before the migration.
    let dir = tempfile::tempdir().unwrap();
    let mut a = tar::Archive::new(std::fs::File::open(&made[0]).unwrap());
    a.unpack(dir.path()).unwrap();
    let old = rusqlite::Connection::open(dir.path().join("goalpost.sqlite3")).unwrap();
    let v: i64 = old
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(v, 5);
    // Opening again migrates nothing and backs up nothing more.
    drop(gp);
    Goalpost::open(&data).unwrap();
    assert_eq!(names(&data.join("backups")).len(), 1);
}

/// `photo.keep_originals_days`: originals older than N days whose web copies exist are
/// removed at sync, and said so; the blog keeps its photos, a later `photo.quality` change
/// leaves their copies as they are, and a backup restored elsewhere still has them.
#[test]
fn retention_removes_only_old_originals_with_copies_and_the_class_still_works() {
    let d = tempfile::tempdir().unwrap();
    let data = d.path().join("class");
    let gp = Goalpost::create(&data)
        .unwrap()
        .with_clock(Clock::fixed(at(0)));
    gp.create_demo(6).unwrap();
    assert!(gp.sync(false, &mut |_| {}).unwrap().all_ok());
    let originals = data.join("photos").join("originals");
    let all = names(&originals);
    let approved: BTreeSet<String> = {
        let c = gp.store().conn();
        let mut st = c
            .prepare("SELECT DISTINCT photo_hash FROM evidence WHERE status = 'approved' AND photo_hash IS NOT NULL")
            .unwrap();
        st.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert!(!approved.is_empty() && approved.len() < all.len());
    let blog_photos = |dir: &Path| -> BTreeMap<String, Vec<u8>> {
        names(&dir.join("blog").join("media"))
            .into_iter()
            .map(|n| {
                let b = std::fs::read(dir.join("blog").join("media").join(&n)).unwrap();
                (n, b)
            })
            .collect()
    };
    let before = blog_photos(&data);
    assert!(!before.is_empty());
    gp.set_setting("photo.keep_originals_days", "30").unwrap();

    // Day 10: nothing is old enough.
    let s = open(&data, 10).sync(false, &mut |_| {}).unwrap();
    assert_eq!(s.originals_removed, 0);
    assert_eq!(names(&originals), all);

    // Day 31: the approved photos' originals go (they have copies); photos waiting for
    // review have none, and stay.
    let gp = open(&data, 31);
    let s = gp.sync(false, &mut |_| {}).unwrap();
    assert_eq!(s.originals_removed, approved.len());
    assert!(s.all_ok());
    let left = names(&originals);
    assert!(left.iter().all(|h| !approved.contains(h)));
    assert_eq!(left.len(), all.len() - approved.len());
    assert_eq!(blog_photos(&data), before, "the blog keeps its photos");

    // A later quality change applies to photos whose original is kept only.
    gp.set_setting("photo.quality", "50").unwrap();
    let s = open(&data, 32).sync(false, &mut |_| {}).unwrap();
    assert!(s.all_ok() && s.photos_missing.is_empty());
    assert_eq!(blog_photos(&data), before);

    // Backed up and restored elsewhere: the copies went with it; the blog is the same.
    let file = d.path().join("room7.goalpost");
    open(&data, 33).backup(&file).unwrap();
    let elsewhere = d.path().join("elsewhere");
    let r = goalpost::backup::restore_into_new(&elsewhere, &file, Clock::fixed(at(33))).unwrap();
    assert!(r.missing_photos.is_empty(), "{:?}", r.missing_photos);
    let s = open(&elsewhere, 33).sync(false, &mut |_| {}).unwrap();
    assert!(s.all_ok() && s.photos_missing.is_empty());
    assert_eq!(blog_photos(&elsewhere), before);
}

/// The children's rule on erasure, after the teacher moved the automatic backups: a child
/// erased is removed from every automatic backup this class made, in every folder it made
/// them in (here `backups/`, then a USB stick, then a school share), not only the folder
/// set today. Backups the teacher made by hand stay (a restore of one erases the child
/// again). Before, the backups left on the USB stick still held the child.
#[test]
fn erasing_a_child_removes_the_automatic_backups_in_every_folder_they_were_made_in() {
    let (d, data) = common::demo_data_dir(4);
    let usb = d.path().join("usb stick");
    let share = d.path().join("school share");
    for dir in [&usb, &share] {
        std::fs::create_dir_all(dir).unwrap();
    }
    let mut day = 0;
    for folder in [None, Some(&usb), Some(&share)] {
        let gp = open(&data, day);
        if let Some(f) = folder {
            gp.set_setting("backup.dir", f.to_str().unwrap()).unwrap();
        }
        for _ in 0..2 {
            let r = open(&data, day).auto_backup_if_due().unwrap();
            assert!(r.ok, "{r:?}");
            day += 1;
        }
    }
    let by_hand = usb.join("my copy.goalpost");
    open(&data, day).backup(&by_hand).unwrap();
    for dir in [&data.join("backups"), &usb, &share] {
        assert_eq!(auto_days(dir).len(), 2, "{}", dir.display());
    }

    let gp = open(&data, day);
    let child = gp.students().unwrap()[0].id;
    let erased = gp.remove_student(child).unwrap();
    assert_eq!(erased.automatic_backups_removed, 6, "{erased:?}");
    for dir in [&data.join("backups"), &usb, &share] {
        assert!(
            auto_days(dir).is_empty(),
            "{}: {:?}",
            dir.display(),
            names(dir)
        );
    }
    assert!(by_hand.is_file(), "a backup made by hand stays");
}

/// The children's rule on erasure, with the USB stick of automatic backups in a drawer: the
/// erasure says which folder it could not reach, each sync says so while it is away
/// (`backup_folders_to_clean`), and the first sync once it is back removes every automatic
/// backup on it from before; the erasure is then noted finished. Before, the backups on
/// the stick kept the child without a word.
#[test]
fn an_erasure_waits_for_the_usb_stick_and_the_sync_after_it_is_back_cleans_it() {
    let (d, data) = common::demo_data_dir(4);
    let usb = d.path().join("usb stick");
    std::fs::create_dir_all(&usb).unwrap();
    open(&data, 0)
        .set_setting("backup.dir", usb.to_str().unwrap())
        .unwrap();
    for day in 0..2 {
        assert!(open(&data, day).auto_backup_if_due().unwrap().ok);
    }
    assert_eq!(auto_days(&usb).len(), 2);
    let drawer = d.path().join("in a drawer");
    std::fs::rename(&usb, &drawer).unwrap();

    let gp = open(&data, 2);
    let child = gp.students().unwrap()[0].clone();
    let erased = gp.remove_student(child.id).unwrap();
    assert_eq!(erased.backup_folders_missing, vec![usb.clone()]);
    let list = goalpost::erasure::read_erasures(&data).unwrap();
    assert_eq!(goalpost::erasure::unfinished(&list).len(), 1, "{list:?}");

    // Away: the sync says so (its own automatic backup fails too, and says why).
    let out = common::cli(&data)
        .env("GOALPOST_NOW", at(2).to_rfc3339())
        .args(["sync", "--json"])
        .output()
        .unwrap();
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        s["backup_folders_to_clean"],
        serde_json::json!([usb]),
        "{s}"
    );
    let text = common::cli(&data)
        .env("GOALPOST_NOW", at(2).to_rfc3339())
        .args(["sync", "--dry-run"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("may still hold an erased child") && text.contains("usb stick"),
        "{text}"
    );

    // Back: the next sync removes the backups from before and makes today's without the
    // child.
    std::fs::rename(&drawer, &usb).unwrap();
    let s = common::cli_ok_json_at(&data, &at(3).to_rfc3339(), &["sync"]);
    assert!(s.get("backup_folders_to_clean").is_none(), "{s}");
    let days = auto_days(&usb);
    assert_eq!(days, BTreeSet::from([local_day(3)]), "{:?}", names(&usb));
    let today = usb.join(format!("auto-{}.goalpost", local_day(3)));
    let db = common::dump_backup(&today);
    assert!(
        !common::has_word(&db, &child.first_name),
        "today's backup holds {}",
        child.first_name
    );
    let list = goalpost::erasure::read_erasures(&data).unwrap();
    assert!(goalpost::erasure::unfinished(&list).is_empty(), "{list:?}");
}

/// `backup.dir` on a school share given to every class: the first class's automatic
/// backups mark the folder as theirs (`goalpost-class.txt`); a second class set to the
/// same folder is refused with the fix (a folder of its own), and nothing the second class
/// does (its backups, rotation, erasing a child, its Settings list) touches the first
/// class's backups. Before, both wrote `auto-<day>.goalpost` into the same folder: one
/// class's backup of the day replaced the other's, and an erasure in one class removed
/// the other class's backups.
#[test]
fn a_school_share_holds_one_classs_automatic_backups_and_refuses_another() {
    let (d, room7) = common::demo_data_dir(3);
    // Another class, made at another time (the demo's fixed clock would make it Room 7's
    // twin, created at the same instant).
    let room8 = d.path().join("room8");
    common::cli(&room8)
        .env("GOALPOST_NOW", at(-30).to_rfc3339())
        .args(["demo", "--students", "3"])
        .assert()
        .success();
    let share = d.path().join("school share");
    std::fs::create_dir_all(&share).unwrap();
    for data in [&room7, &room8] {
        open(data, 0)
            .set_setting("backup.dir", share.to_str().unwrap())
            .unwrap();
    }
    assert!(open(&room7, 0).auto_backup_if_due().unwrap().ok);
    let mark = std::fs::read_to_string(share.join("goalpost-class.txt")).unwrap();
    assert!(mark.contains("class-key: "), "{mark}");
    let before = common::files_under(&share)
        .into_iter()
        .map(|p| (p.clone(), std::fs::read(&p).unwrap()))
        .collect::<Vec<_>>();

    let r = open(&room8, 0).auto_backup_if_due().unwrap();
    assert!(!r.ok, "{r:?}");
    let why = r.error.unwrap();
    assert!(
        why.contains("another Goalpost class") && why.contains("backup.dir"),
        "{why}"
    );
    // Room 8 erases a child and lists its backups: Room 7's are not its own.
    let gp = open(&room8, 0);
    let child = gp.students().unwrap()[0].id;
    let erased = gp.remove_student(child).unwrap();
    assert_eq!(erased.automatic_backups_removed, 0, "{erased:?}");
    assert!(gp
        .backup_files()
        .unwrap()
        .iter()
        .all(|b| !b.path.starts_with(&share)));
    let after = common::files_under(&share)
        .into_iter()
        .map(|p| (p.clone(), std::fs::read(&p).unwrap()))
        .collect::<Vec<_>>();
    assert!(before == after, "Room 8 changed Room 7's backups");

    // A folder of its own inside the share works.
    let own = share.join("Room 8");
    std::fs::create_dir_all(&own).unwrap();
    let gp = open(&room8, 1);
    gp.set_setting("backup.dir", own.to_str().unwrap()).unwrap();
    assert!(gp.auto_backup_if_due().unwrap().ok);
    assert_eq!(auto_days(&own).len(), 1);
    // Room 7 restored on a new PC is still the share's class (the key travels with it).
    let new_pc = d.path().join("new pc");
    let file = d.path().join("room7.goalpost");
    open(&room7, 1).backup(&file).unwrap();
    goalpost::backup::restore_into_new(&new_pc, &file, Clock::fixed(at(2))).unwrap();
    let gp = open(&new_pc, 2);
    gp.set_setting("backup.dir", share.to_str().unwrap())
        .unwrap();
    assert!(gp.auto_backup_if_due().unwrap().ok);
    assert_eq!(auto_days(&share).len(), 2);
}
