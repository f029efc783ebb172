//! The class station: what a child at the shared screen may see and do.
//!
//! The station is used by children, one after another, on a screen anyone in the room can
//! see. So its views carry display names only (never last names, contacts, consents or
//! settings), only current goals, and nothing that another child submitted. Its one write
//! is [`Goalpost::station_submit`]: evidence that then waits for the teacher's review.

use serde::{Deserialize, Deserializer, Serialize};

use crate::error::{Error, Result};
use crate::learning::MAX_WORDS_CHARS;
use crate::model::*;
use crate::store::{self, evidence::NewEvidence};
use crate::{validate, Goalpost};

/// Colours for the initials on the name tiles: all pass WCAG AA contrast with white text.
pub const TILE_COLOURS: [&str; 10] = [
    "#b3261e", "#1d5fa6", "#1b7a3f", "#8a3ab9", "#b04800", "#00708a", "#a0306e", "#4d5b00",
    "#5a46b8", "#7a4b00",
];

/// What the station's start screen shows.
#[derive(Debug, Clone, Serialize)]
pub struct StationHome {
    pub class_name: String,
    /// The class's language (BCP 47): the station speaks it when it has a catalog for it.
    pub language: String,
    pub students: Vec<StationStudent>,
}

/// A name tile: the display name and a coloured initial, nothing else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StationStudent {
    pub id: StudentId,
    pub display_name: String,
    pub initial: String,
    pub colour: &'static str,
}

/// A goal card at the station.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StationGoal {
    pub id: GoalId,
    pub title: String,
    pub subject: String,
    /// Evidence for this goal already waits for the teacher.
    pub waiting: bool,
}

/// What the station sends when a child submits. The photo travels as base64 in the JSON
/// of the window's call; it is checked like any other photo before it is stored.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct StationSubmission {
    pub student_id: StudentId,
    pub goal_id: GoalId,
    #[serde(default, deserialize_with = "base64_bytes")]
    pub photo: Option<Vec<u8>>,
    #[serde(default)]
    pub words: String,
    #[serde(default)]
    pub family_message: String,
}

/// The cheerful confirmation.
#[derive(Debug, Clone, Serialize)]
pub struct StationReceipt {
    pub evidence_id: EvidenceId,
    pub display_name: String,
    pub goal_title: String,
}

fn base64_bytes<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<Vec<u8>>, D::Error> {
    use base64::Engine;
    let s: Option<String> = Option::deserialize(d)?;
    match s.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => {
            // A data URL ("data:image/jpeg;base64,....") is accepted as it comes from a canvas.
            let b64 = s.split_once(";base64,").map_or(s, |(_, b)| b);
            base64::engine::general_purpose::STANDARD
                .decode(b64)
                .map(Some)
                .map_err(|e| serde::de::Error::custom(format!("the photo is not base64 ({e})")))
        }
    }
}

/// The first letter of a display name, upper-cased, for the tile.
fn initial(name: &str) -> String {
    name.chars()
        .find(|c| c.is_alphanumeric())
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_else(|| "?".into())
}

impl Goalpost {
    /// The start screen: the class name and every student's tile, in the roster's order.
    pub fn station_home(&self) -> Result<StationHome> {
        let class = self.class()?;
        let students = self
            .students()?
            .into_iter()
            .map(|s| StationStudent {
                initial: initial(&s.display_name),
                colour: TILE_COLOURS[s.id.unsigned_abs() as usize % TILE_COLOURS.len()],
                id: s.id,
                display_name: s.display_name,
            })
            .collect();
        Ok(StationHome {
            class_name: class.class_name,
            language: class.language,
            students,
        })
    }

    /// A student's current goals, as cards. Achieved goals are not offered again.
    pub fn station_goals(&self, student: StudentId) -> Result<Vec<StationGoal>> {
        self.student(student)?;
        let waiting: Vec<GoalId> =
            store::evidence::list(self.store().conn(), Some(ReviewStatus::Waiting))?
                .into_iter()
                .filter(|e| e.student_id == student)
                .map(|e| e.goal_id)
                .collect();
        Ok(self
            .goals(Some(student))?
            .into_iter()
            .filter(|g| g.status == GoalStatus::Current)
            .map(|g| StationGoal {
                waiting: waiting.contains(&g.id),
                id: g.id,
                title: g.title,
                subject: g.subject,
            })
            .collect())
    }

    /// Takes a child's evidence: checks that the goal is one of their current goals, stores
    /// the photo privately, and leaves the evidence waiting for the teacher. Nothing leaves
    /// the PC until the teacher approves it.
    pub fn station_submit(&self, sub: &StationSubmission) -> Result<StationReceipt> {
        let student = self.student(sub.student_id)?;
        let goal = self.goal(sub.goal_id)?;
        if goal.student_id != student.id {
            return Err(Error::Forbidden(
                "that goal belongs to someone else: choose one of your own goals".into(),
            ));
        }
        if goal.status != GoalStatus::Current {
            return Err(Error::invalid(
                "that goal is already achieved: choose one of your current goals",
            ));
        }
        let words = validate::text("what you learned", &sub.words, MAX_WORDS_CHARS)?;
        let family_message = validate::text(
            "the message to your family",
            &sub.family_message,
            MAX_WORDS_CHARS,
        )?;
        if words.is_empty() && sub.photo.is_none() {
            return Err(Error::invalid(
                "add a photo or say what you learned, then send it",
            ));
        }
        let photo = sub
            .photo
            .as_deref()
            .map(|bytes| self.import_photo(bytes, "the photo"))
            .transpose()?;
        let now = self.now();
        let evidence_id = self.store().in_tx(|tx| {
            store::evidence::insert(
                tx,
                &NewEvidence {
                    student: student.id,
                    goal: goal.id,
                    photo_hash: photo.as_ref().map(|p| p.hash.as_str()),
                    words: &words,
                    family_message: &family_message,
                },
                now,
            )
        })?;
        Ok(StationReceipt {
            evidence_id,
            display_name: student.display_name,
            goal_title: goal.title,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    use crate::demo::test_demo as demo;

    fn png() -> Vec<u8> {
        let img = image::RgbImage::from_pixel(8, 6, image::Rgb([200, 40, 40]));
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn the_start_screen_shows_display_names_only() {
        let (_d, gp) = demo();
        let home = gp.station_home().unwrap();
        assert_eq!(home.class_name, "Room 7");
        assert_eq!(home.students.len(), 6);
        let json = serde_json::to_string(&home).unwrap();
        for s in gp.students().unwrap() {
            if !s.last_name.is_empty() {
                assert!(
                    !json.contains(&s.last_name),
                    "{} leaked: {json}",
                    s.last_name
                );
            }
        }
        assert!(home.students.iter().any(|s| s.display_name == "Ana L."));
        assert!(home.students.iter().all(|s| s.initial.chars().count() == 1));
    }

    #[test]
    fn a_submission_waits_for_the_teacher_with_its_photo() {
        let (_d, gp) = demo();
        let s = &gp.station_home().unwrap().students[0];
        let goal = gp.station_goals(s.id).unwrap().remove(0);
        let receipt = gp
            .station_submit(&StationSubmission {
                student_id: s.id,
                goal_id: goal.id,
                photo: Some(png()),
                words: "I can now count by 5s 🎉".into(),
                family_message: "Come and see on Thursday!".into(),
            })
            .unwrap();
        assert_eq!(receipt.display_name, s.display_name);
        let e = gp.evidence(receipt.evidence_id).unwrap();
        assert_eq!(e.status, ReviewStatus::Waiting);
        assert!(e.photo_hash.is_some());
        assert_eq!(e.words, "I can now count by 5s 🎉");
        let again = gp.station_goals(s.id).unwrap();
        assert!(again.iter().find(|g| g.id == goal.id).unwrap().waiting);
    }

    #[test]
    fn a_child_cannot_submit_for_another_childs_goal() {
        let (_d, gp) = demo();
        let home = gp.station_home().unwrap();
        let (a, b) = (&home.students[0], &home.students[1]);
        let b_goal = gp.station_goals(b.id).unwrap().remove(0);
        let err = gp
            .station_submit(&StationSubmission {
                student_id: a.id,
                goal_id: b_goal.id,
                words: "mine".into(),
                ..Default::default()
            })
            .unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Forbidden);
    }

    #[test]
    fn a_bad_photo_is_refused_and_nothing_is_stored() {
        let (_d, gp) = demo();
        let s = &gp.station_home().unwrap().students[0];
        let goal = gp.station_goals(s.id).unwrap().remove(0);
        let before = gp.evidence_list(None).unwrap().len();
        let err = gp
            .station_submit(&StationSubmission {
                student_id: s.id,
                goal_id: goal.id,
                photo: Some(b"<svg></svg>".to_vec()),
                words: "x".into(),
                ..Default::default()
            })
            .unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Photo);
        assert_eq!(gp.evidence_list(None).unwrap().len(), before);
    }

    #[test]
    fn the_photo_arrives_as_base64_or_a_data_url() {
        let b64 = base64::engine::general_purpose::STANDARD.encode(png());
        for photo in [b64.clone(), format!("data:image/png;base64,{b64}")] {
            let sub: StationSubmission = serde_json::from_value(serde_json::json!({
                "student_id": 1, "goal_id": 2, "photo": photo, "words": "hi"
            }))
            .unwrap();
            assert_eq!(sub.photo.unwrap(), png());
        }
        let none: StationSubmission =
            serde_json::from_value(serde_json::json!({"student_id": 1, "goal_id": 2})).unwrap();
        assert!(none.photo.is_none());
        assert!(serde_json::from_value::<StationSubmission>(
            serde_json::json!({"student_id": 1, "goal_id": 2, "photo": "%%%"})
        )
        .is_err());
    }

    #[test]
    fn tile_colours_are_dark_enough_for_white_text() {
        fn lum(hex: &str) -> f64 {
            let c = |i: usize| {
                let v = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap()) / 255.0;
                if v <= 0.03928 {
                    v / 12.92
                } else {
                    ((v + 0.055) / 1.055).powf(2.4)
                }
            };
            0.2126 * c(1) + 0.7152 * c(3) + 0.0722 * c(5)
        }
        for c in TILE_COLOURS {
            let ratio = 1.05 / (lum(c) + 0.05);
            assert!(ratio >= 4.5, "{c} has contrast {ratio:.2} with white");
        }
    }
}
