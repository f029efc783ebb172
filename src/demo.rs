//! A complete demo class, so that every feature has something real to show.
//!
//! Deterministic: the same `--students N` gives the same class (names, contacts, consents,
//! goals, evidence and generated photos), which makes the demo usable in tests and
//! screenshots. Names are diverse on purpose: non-ASCII letters, two students who share a
//! first name, contacts in several languages (one right-to-left) and on every channel, a
//! grandparent and an aunt, and one student with no contact at all.

use std::io::Cursor;

use chrono::{Duration, NaiveDate};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::*;
use crate::{class::ContactInput, Goalpost};

pub const DEFAULT_STUDENTS: usize = 12;
pub const MAX_STUDENTS: usize = 60;

const FIRST: [&str; 30] = [
    "Aroha", "Mateo", "Zoë", "Sione", "Ana", "Ana", "Amira", "Liam", "Mei", "Tūī", "José", "Priya",
    "Noah", "Łucja", "Kofi", "Hana", "Finn", "Leilani", "Yusuf", "Isla", "Tavita", "Chloé", "Ravi",
    "Maja", "Oliver", "Ngaio", "Emre", "Sofía", "Kai", "Wiremu",
];
const LAST: [&str; 30] = [
    "Ngata",
    "García",
    "Müller",
    "Taufa",
    "López",
    "Smith",
    "Haddad",
    "O'Brien",
    "Chen",
    "Walker",
    "Hernández",
    "Sharma",
    "Williams",
    "Kowalska",
    "Mensah",
    "Kim",
    "Murphy",
    "Kealoha",
    "Demir",
    "Thompson",
    "Faleolo",
    "Dubois",
    "Patel",
    "Nilsson",
    "Brown",
    "Parata",
    "Yılmaz",
    "Ramírez",
    "Tanaka",
    "Tipene",
];

/// (relationship, language, channel) for each student's contacts, cycling through the class.
const FAMILIES: [&[(&str, &str, Channel)]; 10] = [
    &[
        ("mother", "mi", Channel::Email),
        ("grandmother", "en", Channel::Paper),
    ],
    &[
        ("father", "es", Channel::Email),
        ("mother", "es", Channel::Weekly),
    ],
    &[("mother", "de", Channel::Weekly)],
    &[
        ("aunt", "sm", Channel::Paper),
        ("father", "en", Channel::Email),
    ],
    &[("mother", "es", Channel::Email)],
    &[
        ("father", "en", Channel::Weekly),
        ("neighbour", "en", Channel::None),
    ],
    &[
        ("mother", "ar", Channel::Email),
        ("grandfather", "ar", Channel::Paper),
    ],
    &[("carer", "en", Channel::Email)],
    &[
        ("mother", "zh-Hant", Channel::Email),
        ("grandmother", "zh-Hant", Channel::Paper),
    ],
    &[],
];

const GOALS: [(&str, &str, &str); 10] = [
    (
        "Maths",
        "I can count by 5s to 100",
        "I can count by 10s to 200",
    ),
    (
        "Reading",
        "I can retell a story in my own words",
        "I can find the main idea of a chapter",
    ),
    (
        "Writing",
        "I can use full stops and capital letters",
        "I can write a paragraph with a topic sentence",
    ),
    (
        "Science",
        "I can explain why plants need light",
        "I can plan a fair test",
    ),
    (
        "Maths",
        "I can add two-digit numbers",
        "I can subtract two-digit numbers",
    ),
    (
        "Te reo Māori",
        "I can greet people in te reo Māori",
        "I can introduce my family in te reo Māori",
    ),
    (
        "Art",
        "I can mix secondary colours",
        "I can paint a landscape with a horizon",
    ),
    (
        "PE",
        "I can skip with a rope 20 times",
        "I can do a running jump",
    ),
    (
        "Maths",
        "I can tell the time to the half hour",
        "I can tell the time to five minutes",
    ),
    (
        "Reading",
        "I can read a chapter book on my own",
        "I can talk about a character's feelings",
    ),
];

const WORDS: [&str; 8] = [
    "I can count by 5s all the way to 100! The tricky part was after 50.",
    "I told the story of the three bears to Mere and she said I got every part.",
    "I used capital letters for names too. Next time I want to try commas.",
    "Our bean plant in the cupboard went yellow and the one by the window stayed green 🌱",
    "I carried the ten! 47 + 38 = 85 <3",
    "Kia ora, tēnā koe, mōrena. I said them to the whole class.",
    "Blue and yellow make green and red and yellow make orange 🎨",
    "I skipped 23 times without stopping.",
];

const MESSAGES: [&str; 4] = [
    "Come and see my goal on Thursday!",
    "",
    "Can we count the stairs at home together?",
    "",
];

#[derive(Debug, Clone, Serialize)]
pub struct DemoReport {
    pub students: usize,
    pub contacts: usize,
    pub goals: usize,
    pub evidence_approved: usize,
    pub evidence_waiting: usize,
}

/// A tiny deterministic generator, so the demo is the same every time without a dependency.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as u32
    }
}

impl Goalpost {
    /// Fills an empty data folder with a demo class of `n` students.
    pub fn create_demo(&self, n: usize) -> Result<DemoReport> {
        if n == 0 || n > MAX_STUDENTS {
            return Err(Error::invalid(format!(
                "--students {n} is out of range: give 1 to {MAX_STUDENTS}"
            )));
        }
        if !self.students()?.is_empty() {
            return Err(Error::Conflict(format!(
                "{} already holds a class with students: run the demo in an empty data folder (--data-dir)",
                self.data_dir().display()
            )));
        }
        self.init_class(&ClassInfo {
            school: "Kōwhai Primary School".into(),
            class_name: "Room 7".into(),
            teacher: "Ms Aroha Te Rangi".into(),
            teacher_email: "room7@kowhai.school.example".into(),
            language: "en".into(),
            timezone: "Pacific/Auckland".into(),
        })?;
        let mut rng = Lcg(7);
        let mut report = DemoReport {
            students: n,
            contacts: 0,
            goals: 0,
            evidence_approved: 0,
            evidence_waiting: 0,
        };
        let mut to_approve = Vec::new();
        for i in 0..n {
            let (first, last) = if i < FIRST.len() {
                (FIRST[i].to_string(), LAST[i].to_string())
            } else {
                (
                    format!("{} {}", FIRST[i % 30], i / 30 + 1),
                    LAST[(i * 7) % 30].to_string(),
                )
            };
            let s = self.add_student(&first, &last, None)?;
            // Consents: most families say yes to everything; some limit what is published.
            let (blog, name, photo, email) = match i % 6 {
                0 | 2 | 3 => (true, true, true, true),
                1 => (true, true, false, true),
                4 => (true, false, true, true),
                _ => (false, false, false, true),
            };
            let by = "demo: enrolment form";
            self.set_consent(s.id, Purpose::Blog, blog, by)?;
            self.set_consent(s.id, Purpose::NameOnBlog, name, by)?;
            self.set_consent(s.id, Purpose::PhotoOnBlog, photo, by)?;
            self.set_consent(s.id, Purpose::EmailFamily, email && i % 5 != 3, by)?;

            // The last student of each ten has no contact.
            for (k, (relationship, language, channel)) in FAMILIES[i % 10].iter().enumerate() {
                let name = contact_name(relationship, &last, k);
                let email = channel.needs_email().then(|| {
                    format!(
                        "{}.{}{}@example.org",
                        ascii_slug(relationship),
                        ascii_slug(&last),
                        i
                    )
                });
                self.add_contact(
                    &ContactInput {
                        name: Some(name),
                        email,
                        language: Some(language.to_string()),
                        channel: Some(channel.as_str().into()),
                    },
                    Some((s.id, relationship)),
                )?;
                report.contacts += 1;
            }

            let (subject, title, next) = GOALS[i % GOALS.len()];
            let g = self.add_goal(s.id, title, subject, None)?;
            self.add_goal(s.id, next, subject, Some(g.id))?;
            let (subject2, title2, _) = GOALS[(i + 3) % GOALS.len()];
            self.add_goal(s.id, title2, subject2, None)?;
            report.goals += 3;

            // Two of every three students have shown evidence; most of it approved.
            if i % 3 != 2 {
                let photo = demo_photo(&mut rng, i)?;
                let rec = self.import_photo(&photo, &format!("demo-{i}.jpg"))?;
                let path = crate::photo::original_path(self.data_dir(), &rec.hash);
                let e = self.add_evidence(
                    s.id,
                    g.id,
                    Some(&path),
                    WORDS[i % WORDS.len()],
                    MESSAGES[i % MESSAGES.len()],
                )?;
                if i % 4 == 3 {
                    report.evidence_waiting += 1;
                } else {
                    to_approve.push(e.id);
                    report.evidence_approved += 1;
                }
            }
        }
        if !to_approve.is_empty() {
            self.approve(&to_approve)?;
        }
        let next_week = (self.now() + Duration::days(7)).date_naive();
        let thursday = next_week
            .iter_days()
            .find(|d| chrono::Datelike::weekday(d) == chrono::Weekday::Thu)
            .unwrap_or(next_week);
        let at = |d: NaiveDate, h| d.and_hms_opt(h, 0, 0).unwrap_or_default();
        self.add_sharing_time(
            at(thursday, 14),
            Some(at(thursday, 15)),
            "Come and see our learning",
            "Room 7",
        )?;
        Ok(report)
    }
}

fn contact_name(relationship: &str, last: &str, k: usize) -> String {
    let given = match relationship {
        "mother" => ["Maria", "Hine", "Lena", "Fatima", "Ling"][k % 5],
        "father" => ["Carlos", "Tomasi", "Ahmed", "James"][k % 4],
        "grandmother" => "Nana Rose",
        "grandfather" => "Jaddi Omar",
        "aunt" => "Aunty Lusia",
        "neighbour" => "Mr Patel",
        _ => "Sam",
    };
    format!("{given} {last}")
}

fn ascii_slug(s: &str) -> String {
    s.chars()
        .filter_map(|c| {
            let c = match c {
                'á' | 'à' | 'ā' => 'a',
                'é' | 'è' | 'ē' => 'e',
                'í' | 'ī' | 'ı' => 'i',
                'ó' | 'ō' | 'ö' => 'o',
                'ú' | 'ū' | 'ü' => 'u',
                'ł' => 'l',
                c => c,
            };
            c.is_ascii_alphanumeric().then(|| c.to_ascii_lowercase())
        })
        .collect()
}

/// A colourful, slightly noisy 960x720 picture (shapes on a gradient), like a photo of
/// classwork, encoded as JPEG.
fn demo_photo(rng: &mut Lcg, i: usize) -> Result<Vec<u8>> {
    let (w, h) = (960u32, 720u32);
    let hue = (i * 47 % 360) as f32;
    let base = hsv(hue, 0.35, 0.95);
    let accent = hsv((hue + 150.0) % 360.0, 0.8, 0.85);
    let accent2 = hsv((hue + 60.0) % 360.0, 0.7, 0.9);
    let cx = (w / 3 + rng.next() % (w / 3)) as f32;
    let cy = (h / 3 + rng.next() % (h / 3)) as f32;
    let r = (120 + rng.next() % 120) as f32;
    let bx = rng.next() % (w / 2);
    let by = rng.next() % (h / 2);
    let mut noise = Lcg(i as u64 + 99);
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        let t = y as f32 / h as f32;
        let mut c = [
            base[0] * (1.0 - 0.25 * t),
            base[1] * (1.0 - 0.2 * t),
            base[2] * (1.0 - 0.15 * t),
        ];
        let dx = x as f32 - cx;
        let dy = y as f32 - cy;
        if dx * dx + dy * dy < r * r {
            c = accent;
        }
        if x >= bx && x < bx + 220 && y >= by && y < by + 160 {
            c = accent2;
        }
        let n = (noise.next() % 17) as f32 - 8.0;
        image::Rgb(c.map(|v| (v * 255.0 + n).clamp(0.0, 255.0) as u8))
    });
    let mut out = Cursor::new(Vec::new());
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&img)
        .map_err(|e| Error::Photo(format!("could not make a demo photo: {e}")))?;
    Ok(out.into_inner())
}

fn hsv(h: f32, s: f32, v: f32) -> [f32; 3] {
    let c = v * s;
    let x = c * (1.0 - ((h / 60.0) % 2.0 - 1.0).abs());
    let m = v - c;
    let (r, g, b) = match (h / 60.0) as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    [r + m, g + m, b + m]
}

/// A six-student demo class in a temporary folder, for the core's unit tests.
#[cfg(test)]
pub(crate) fn test_demo() -> (tempfile::TempDir, Goalpost) {
    let dir = tempfile::tempdir().unwrap();
    let gp = Goalpost::create(dir.path()).unwrap();
    gp.create_demo(6).unwrap();
    (dir, gp)
}
