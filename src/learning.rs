//! Goals and evidence: what a student is working on, what they showed, and the teacher's
//! review. Nothing about a student leaves the PC until the review here approved it.

use std::path::Path;

use crate::error::{Error, Result};
use crate::model::*;
use crate::store::{self, evidence::NewEvidence};
use crate::{validate, Goalpost};

pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_WORDS_CHARS: usize = 2000;
pub const MAX_REASON_CHARS: usize = 500;

impl Goalpost {
    pub fn goals(&self, student: Option<StudentId>) -> Result<Vec<Goal>> {
        store::goals::list(self.store().conn(), student)
    }

    pub fn goal(&self, id: GoalId) -> Result<Goal> {
        store::goals::get(self.store().conn(), id)?.ok_or_else(|| {
            Error::not_found(format!(
                "there is no goal with id {id}: see `goalpost goal list`"
            ))
        })
    }

    /// Adds a goal; with `next_of`, it becomes the next goal of that (same student's) goal.
    pub fn add_goal(
        &self,
        student: StudentId,
        title: &str,
        subject: &str,
        next_of: Option<GoalId>,
    ) -> Result<Goal> {
        self.student(student)?;
        let title = validate::line("goal title", title, MAX_TITLE_CHARS)?;
        if title.is_empty() {
            return Err(Error::invalid(
                "the goal title is empty: write it as \"I can ...\"",
            ));
        }
        let subject = validate::line("subject", subject, 100)?;
        if let Some(prev) = next_of {
            let g = self.goal(prev)?;
            if g.student_id != student {
                return Err(Error::invalid(format!(
                    "goal {prev} belongs to another student: a next goal must follow one of the same student's goals"
                )));
            }
        }
        let now = self.now();
        let id = self.store().in_tx(|tx| {
            let id = store::goals::insert(tx, student, &title, &subject, now)?;
            if let Some(prev) = next_of {
                store::goals::set_next(tx, prev, Some(id))?;
            }
            Ok(id)
        })?;
        self.goal(id)
    }

    /// Sets (or clears) the goal that follows `goal`; both must be the same student's.
    pub fn set_next_goal(&self, goal: GoalId, next: Option<GoalId>) -> Result<Goal> {
        let g = self.goal(goal)?;
        if let Some(n) = next {
            if n == goal || self.goal(n)?.student_id != g.student_id {
                return Err(Error::invalid(format!(
                    "goal {n} cannot follow goal {goal}: the next goal must be another goal of the same student"
                )));
            }
        }
        self.store()
            .in_tx(|tx| store::goals::set_next(tx, goal, next))?;
        self.goal(goal)
    }

    /// Marks a goal achieved by hand (no evidence needed) or current again.
    pub fn set_goal_status(&self, goal: GoalId, status: GoalStatus) -> Result<Goal> {
        self.goal(goal)?;
        let now = self.now();
        self.store()
            .in_tx(|tx| store::goals::set_status(tx, goal, status, now))?;
        self.goal(goal)
    }

    /// What the station does: a student shows that a goal is met. The photo is imported
    /// (checked and stored privately) first; the evidence then waits for the teacher.
    pub fn add_evidence(
        &self,
        student: StudentId,
        goal: GoalId,
        photo: Option<&Path>,
        words: &str,
        family_message: &str,
    ) -> Result<Evidence> {
        self.student(student)?;
        let g = self.goal(goal)?;
        if g.student_id != student {
            return Err(Error::invalid(format!(
                "goal {goal} is not one of this student's goals: see `goalpost goal list --student {student}`"
            )));
        }
        let words = validate::text("the student's words", words, MAX_WORDS_CHARS)?;
        let family_message =
            validate::text("the message to the family", family_message, MAX_WORDS_CHARS)?;
        let photo = photo.map(|p| self.import_photo_file(p)).transpose()?;
        let now = self.now();
        let id = self.store().in_tx(|tx| {
            store::evidence::insert(
                tx,
                &NewEvidence {
                    student,
                    goal,
                    photo_hash: photo.as_ref().map(|p| p.hash.as_str()),
                    words: &words,
                    family_message: &family_message,
                },
                now,
            )
        })?;
        self.evidence(id)
    }

    pub fn evidence(&self, id: EvidenceId) -> Result<Evidence> {
        store::evidence::get(self.store().conn(), id)?.ok_or_else(|| {
            Error::not_found(format!(
                "there is no evidence with id {id}: see `goalpost review list`"
            ))
        })
    }

    /// Evidence with a status (or all), with the student's display name and the goal's title.
    pub fn evidence_list(&self, status: Option<ReviewStatus>) -> Result<Vec<EvidenceView>> {
        let conn = self.store().conn();
        let students = store::students::list(conn)?;
        let goals = store::goals::list(conn, None)?;
        let consents = store::consent::all(conn)?;
        Ok(store::evidence::list(conn, status)?
            .into_iter()
            .map(|e| EvidenceView {
                mentions: crate::mentions::find(&e.words, e.student_id, &students, &consents),
                display_name: students
                    .iter()
                    .find(|s| s.id == e.student_id)
                    .map(|s| s.display_name.clone())
                    .unwrap_or_default(),
                goal_title: goals
                    .iter()
                    .find(|g| g.id == e.goal_id)
                    .map(|g| g.title.clone())
                    .unwrap_or_default(),
                evidence: e,
            })
            .collect())
    }

    /// Approves evidence (all of it or none), marking each goal achieved.
    pub fn approve(&self, ids: &[EvidenceId]) -> Result<Vec<Evidence>> {
        if ids.is_empty() {
            return Err(Error::invalid(
                "nothing to approve: give evidence ids or --all",
            ));
        }
        let reviewer = self.class()?.teacher;
        let now = self.now();
        let found: Vec<Evidence> = ids
            .iter()
            .map(|&id| self.evidence(id))
            .collect::<Result<_>>()?;
        self.store().in_tx(|tx| {
            for e in &found {
                if e.status != ReviewStatus::Approved {
                    store::evidence::review(
                        tx,
                        e.id,
                        ReviewStatus::Approved,
                        &reviewer,
                        None,
                        now,
                    )?;
                }
                store::goals::set_status(tx, e.goal_id, GoalStatus::Achieved, now)?;
            }
            Ok(())
        })?;
        ids.iter().map(|&id| self.evidence(id)).collect()
    }

    /// Approves everything waiting whose words name no one the blog must not show (see
    /// [`crate::mentions`]); evidence whose words do waits for the teacher's look, and is
    /// approved by id once the words are right. Returns what it approved.
    pub fn approve_all(&self) -> Result<Vec<Evidence>> {
        let ids: Vec<EvidenceId> = self
            .evidence_list(Some(ReviewStatus::Waiting))?
            .into_iter()
            .filter(|v| v.mentions.is_empty())
            .map(|v| v.evidence.id)
            .collect();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        self.approve(&ids)
    }

    /// Returns evidence to the student with a reason. If it had been approved, its goal is
    /// current again unless other approved evidence still shows it; the next sync removes
    /// it from the blog.
    pub fn return_evidence(&self, id: EvidenceId, reason: &str) -> Result<Evidence> {
        let reason = validate::text("the reason", reason, MAX_REASON_CHARS)?;
        if reason.is_empty() {
            return Err(Error::invalid(
                "give a reason with --reason, so the student knows what to do next",
            ));
        }
        let e = self.evidence(id)?;
        let reviewer = self.class()?.teacher;
        let now = self.now();
        self.store().in_tx(|tx| {
            store::evidence::review(
                tx,
                id,
                ReviewStatus::Returned,
                &reviewer,
                Some(&reason),
                now,
            )?;
            let still_shown = store::evidence::list(tx, Some(ReviewStatus::Approved))?
                .iter()
                .any(|o| o.goal_id == e.goal_id);
            if !still_shown {
                store::goals::set_status(tx, e.goal_id, GoalStatus::Current, now)?;
            }
            Ok(())
        })?;
        self.evidence(id)
    }

    /// The teacher's correction of a student's words or family message before approving.
    pub fn edit_evidence_text(
        &self,
        id: EvidenceId,
        words: Option<&str>,
        family_message: Option<&str>,
    ) -> Result<Evidence> {
        let e = self.evidence(id)?;
        let words = match words {
            Some(w) => validate::text("the student's words", w, MAX_WORDS_CHARS)?,
            None => e.words,
        };
        let msg = match family_message {
            Some(m) => validate::text("the message to the family", m, MAX_WORDS_CHARS)?,
            None => e.family_message,
        };
        self.store()
            .in_tx(|tx| store::evidence::set_text(tx, id, &words, &msg))?;
        self.evidence(id)
    }
}
