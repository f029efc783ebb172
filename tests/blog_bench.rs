//! Fixtures for `scripts/bench-blog`, not tests: every function here is `#[ignore]`d and
//! does nothing unless `GOALPOST_BENCH_DIR` is set.
//!
//! - `bench_make_class` makes a year-sized class in `$GOALPOST_BENCH_DIR/data` (30
//!   students, 1,200 approved evidence, web copies of real pixel sizes already made) and
//!   writes `plan.json`, from which the script generates the equivalent Hugo site;
//! - `bench_add_one` adds and approves one more evidence with its copies and writes
//!   `new.json` (the new plan).

mod blog_support;
mod common;

use std::path::PathBuf;

use blog_support::*;
use goalpost::photo::{self, Copies, CopyInfo, Size};
use goalpost::{Clock, Goalpost};

fn bench_dir() -> Option<PathBuf> {
    std::env::var_os("GOALPOST_BENCH_DIR").map(PathBuf::from)
}

/// Web copies of real sizes (4:3): a small pool of distinct JPEGs per size, written under
/// each photo's own copy names, so the files are as large as the real ones.
fn realistic_copies(data_dir: &std::path::Path, hashes: &[String]) -> Vec<Copies> {
    std::fs::create_dir_all(photo::copies_dir(data_dir)).unwrap();
    type Copy = (Size, Vec<u8>, u32, u32);
    let pool: Vec<Vec<Copy>> = (0..6)
        .map(|k| {
            Size::ALL
                .iter()
                .map(|&s| {
                    let w = s.long_edge();
                    let h = w * 3 / 4;
                    (s, jpeg(w, h, 1000 + k), w, h)
                })
                .collect()
        })
        .collect();
    hashes
        .iter()
        .enumerate()
        .map(|(i, hash)| Copies {
            hash: hash.clone(),
            copies: pool[i % pool.len()]
                .iter()
                .map(|(size, bytes, w, h)| {
                    let p = photo::copy_path(data_dir, hash, *size);
                    if !p.exists() {
                        std::fs::write(&p, bytes).unwrap();
                    }
                    CopyInfo {
                        size: *size,
                        file_name: photo::copy_file_name(hash, *size),
                        width: *w,
                        height: *h,
                        file_id: None,
                    }
                })
                .collect(),
        })
        .collect()
}

fn write_plan(gp: &Goalpost, file: &std::path::Path) {
    let plan = gp.blog_plan().unwrap();
    let hashes: Vec<String> = plan
        .posts
        .iter()
        .filter_map(|p| p.photo_hash.clone())
        .collect();
    let copies = goalpost::photo::existing_copies(gp.data_dir(), &hashes).unwrap();
    let json = serde_json::json!({ "plan": plan, "copies": copies });
    std::fs::write(file, serde_json::to_vec(&json).unwrap()).unwrap();
}

#[test]
#[ignore]
fn bench_make_class() {
    let Some(dir) = bench_dir() else { return };
    let data = dir.join("data");
    let gp = Goalpost::create(&data)
        .unwrap()
        .with_clock(Clock::fixed(now()));
    gp.init_class(&class_info("en")).unwrap();
    let gp = year_class(gp, 30, 1200);
    let hashes: Vec<String> = gp
        .blog_plan()
        .unwrap()
        .posts
        .iter()
        .filter_map(|p| p.photo_hash.clone())
        .collect();
    realistic_copies(&data, &hashes);
    write_plan(&gp, &dir.join("plan.json"));
}

#[test]
#[ignore]
fn bench_add_one() {
    let Some(dir) = bench_dir() else { return };
    let data = dir.join("data");
    let gp = Goalpost::open(&data).unwrap();
    let n = gp.evidence_list(None).unwrap().len() as u32;
    let gp = gp.with_clock(Clock::fixed(now() + chrono::Duration::minutes(n as i64)));
    let st = gp.students().unwrap()[(n as usize) % 30].clone();
    let g = gp
        .add_goal(st.id, &format!("I can do new thing {n}"), "Science", None)
        .unwrap();
    let e = evidence_with_photo(&gp, st.id, g.id, "A new achievement!", "", 100_000 + n);
    gp.approve(&[e]).unwrap();
    let hash = gp.evidence(e).unwrap().photo_hash.unwrap();
    realistic_copies(&data, &[hash]);
    write_plan(&gp, &dir.join("new.json"));
}
