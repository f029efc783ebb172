//! Fixture for `scripts/bench-sync`, not a test: ignored, and it does nothing unless
//! `GOALPOST_BENCH_DIR` is set. It makes a year-sized class in `$GOALPOST_BENCH_DIR/data`:
//! 30 students, 60 contacts on email (two per student), 1,200 approved evidence with small
//! distinct photos, and one more current goal per student for the benchmark's new evidence
//! (its id in `$GOALPOST_BENCH_DIR/next_goal`).

mod common;

use goalpost::class::ContactInput;
use goalpost::{Clock, Goalpost, Purpose};

fn small_photo(i: usize) -> Vec<u8> {
    let img = image::RgbImage::from_fn(640, 480, |x, y| {
        let n = ((x as usize * 7 + y as usize * 13 + i * 31) % 23) as u8;
        image::Rgb([
            (i * 5 % 256) as u8 ^ n,
            ((x / 3) as u8).wrapping_add(n),
            (y / 2) as u8,
        ])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&img)
        .unwrap();
    out.into_inner()
}

#[test]
#[ignore = "a benchmark fixture: run by scripts/bench-sync"]
fn bench_sync_class() {
    let Some(dir) = std::env::var_os("GOALPOST_BENCH_DIR").map(std::path::PathBuf::from) else {
        return;
    };
    let gp = Goalpost::create(dir.join("data"))
        .unwrap()
        .with_clock(Clock::fixed("2026-11-18T02:00:00Z".parse().unwrap()));
    gp.init_class(&common::class_info()).unwrap();
    // The benchmark sends every family the year's 40 achievements at once (2,400 emails),
    // as it did before the weekly cap (issue 16): raise the cap above that.
    gp.set_setting("mail.max_per_week", "50").unwrap();
    let mut approve = Vec::new();
    let mut next_goal = 0;
    for i in 0..30 {
        let s = gp
            .add_student(&format!("Student{i}"), "Year", None)
            .unwrap();
        for p in Purpose::ALL {
            gp.set_consent(s.id, p, true, "form").unwrap();
        }
        for k in 0..2 {
            gp.add_contact(
                &ContactInput {
                    name: Some(format!("Parent {k}-{i}")),
                    email: Some(format!("p{k}.s{i}@example.org")),
                    language: Some(["en", "es", "ar"][(i + k) % 3].into()),
                    channel: Some("email".into()),
                },
                Some((s.id, "parent")),
            )
            .unwrap();
        }
        for e in 0..40 {
            let g = gp
                .add_goal(
                    s.id,
                    &format!("I can do goal {e}"),
                    ["Maths", "Reading", "Science", "Art"][e % 4],
                    None,
                )
                .unwrap();
            let rec = gp.import_photo(&small_photo(i * 40 + e), "p.jpg").unwrap();
            let path = goalpost::photo::original_path(gp.data_dir(), &rec.hash);
            approve.push(
                gp.add_evidence(
                    s.id,
                    g.id,
                    Some(&path),
                    "I did it, and the tricky part was the end.",
                    "",
                )
                .unwrap()
                .id,
            );
        }
        let g = gp
            .add_goal(s.id, "I can show my new goal", "Maths", None)
            .unwrap();
        if i == 0 {
            next_goal = g.id;
        }
    }
    gp.approve(&approve).unwrap();
    std::fs::write(dir.join("next_goal"), next_goal.to_string()).unwrap();
}
