//! Goals and what shows them: `goal`, `evidence`, `review`, `photo` and `sharing`.

use super::args::*;
use super::output::Table;
use super::Ctx;
use crate::error::Result;
use crate::model::*;

pub(super) fn goal(ctx: &Ctx, c: GoalCmd) -> Result<()> {
    let gp = ctx.class()?;
    match c {
        GoalCmd::Add {
            student,
            title,
            subject,
            next_of,
        } => {
            let s = gp.find_student(&student)?;
            let g = gp.add_goal(s.id, &title, &subject, next_of)?;
            ctx.print(&g, || {
                format!("Added goal {} for {}: {}", g.id, s.display_name, g.title)
            })
        }
        GoalCmd::List { student } => {
            let sid = student
                .map(|s| gp.find_student(&s))
                .transpose()?
                .map(|s| s.id);
            let goals = gp.goals(sid)?;
            let students = gp.students()?;
            ctx.print(&goals, || {
                let mut t = Table::new(["id", "student", "subject", "goal", "status", "next"]);
                for g in &goals {
                    let who = students
                        .iter()
                        .find(|s| s.id == g.student_id)
                        .map(|s| s.display_name.clone())
                        .unwrap_or_default();
                    t.row([
                        g.id.to_string(),
                        who,
                        g.subject.clone(),
                        g.title.clone(),
                        g.status.as_str().into(),
                        g.next_goal_id.map(|n| n.to_string()).unwrap_or_default(),
                    ]);
                }
                t.render_or("No goals yet: add one with `goalpost goal add`.")
            })
        }
        GoalCmd::Achieve { goal } => {
            let g = gp.set_goal_status(goal, GoalStatus::Achieved)?;
            ctx.print(&g, || format!("Goal {} achieved: {}", g.id, g.title))
        }
        GoalCmd::Suggestions => super::portfolio::goal_suggestions(ctx, &gp),
    }
}

pub(super) fn evidence(ctx: &Ctx, c: EvidenceCmd) -> Result<()> {
    let gp = ctx.class()?;
    match c {
        EvidenceCmd::Add {
            student,
            goal,
            photo,
            words,
            message,
        } => {
            let s = gp.find_student(&student)?;
            let e = gp.add_evidence(s.id, goal, photo.as_deref(), &words, &message)?;
            ctx.print(&e, || {
                format!(
                    "Evidence {} from {} waits for review.",
                    e.id, s.display_name
                )
            })
        }
    }
}

pub(super) fn photo(ctx: &Ctx, c: PhotoCmd) -> Result<()> {
    let gp = ctx.class()?;
    match c {
        PhotoCmd::Copies => {
            let list = gp.copies_for_approved()?;
            let dir = crate::photo::copies_dir(gp.data_dir());
            ctx.print(&list, || {
                format!(
                    "Web copies of {} approved photos are ready in {}.",
                    list.len(),
                    dir.display()
                )
            })
        }
    }
}

pub(super) fn review(ctx: &Ctx, c: ReviewCmd) -> Result<()> {
    let gp = ctx.class()?;
    match c {
        ReviewCmd::List { all } => {
            let list = gp.evidence_list((!all).then_some(ReviewStatus::Waiting))?;
            ctx.print(&list, || {
                let mut t = Table::new(["id", "student", "goal", "status", "words"]);
                for v in &list {
                    t.row([
                        v.evidence.id.to_string(),
                        v.display_name.clone(),
                        v.goal_title.clone(),
                        v.evidence.status.as_str().into(),
                        v.evidence.words.replace('\n', " "),
                    ]);
                }
                let mut out = t.render_or("Nothing waits for review.");
                for v in &list {
                    for m in &v.mentions {
                        out.push_str(&format!(
                            "\nCheck evidence {} before approving: {:?} {}. To word it yourself, edit the words with `goalpost review edit {} --words ...`.",
                            v.evidence.id,
                            m.found,
                            match m.reason {
                                crate::mentions::MentionReason::LastName => format!("is a last name, which the blog and messages never show: they show {:?} instead", m.name),
                                crate::mentions::MentionReason::NoBlogConsent => format!("names {}, whose family has not agreed to the blog: the blog shows \"a classmate\" instead", m.name),
                                crate::mentions::MentionReason::NoNameConsent => format!("names {}, whose family has not agreed to their name on the blog: the blog shows \"a classmate\" instead", m.name),
                                crate::mentions::MentionReason::Pseudonym => format!("is the real name of a student who goes by {:?}: the blog and messages show {:?} instead", m.name, m.name),
                            },
                            v.evidence.id
                        ));
                    }
                }
                out
            })
        }
        ReviewCmd::Approve { ids, all } => {
            let done = if all {
                gp.approve_all()?
            } else {
                gp.approve(&ids)?
            };
            // What --all left: said on stderr too, so that a script's JSON stays an array.
            let left: Vec<String> = if all {
                gp.evidence_list(Some(ReviewStatus::Waiting))?
                    .iter()
                    .filter(|v| !v.mentions.is_empty())
                    .map(|v| v.evidence.id.to_string())
                    .collect()
            } else {
                Vec::new()
            };
            let left_note = (!left.is_empty()).then(|| {
                format!(
                    "Left for a look: evidence {} (the words name someone the blog must not show: see `goalpost review list`). Correct the words with `goalpost review edit`, or approve by id once checked.",
                    left.join(", ")
                )
            });
            if ctx.json {
                if let Some(n) = &left_note {
                    eprintln!("{n}");
                }
            }
            ctx.print(&done, || {
                let mut out = match done.len() {
                    0 => "Nothing waited for review.".to_string(),
                    n => format!(
                        "Approved {n}: {}. The next sync sends them home.",
                        done.iter()
                            .map(|e| e.id.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                if let Some(n) = &left_note {
                    if done.is_empty() {
                        out.clear();
                    } else {
                        out.push('\n');
                    }
                    out.push_str(n);
                }
                out
            })
        }
        ReviewCmd::Return { id, reason } => {
            let e = gp.return_evidence(id, &reason)?;
            ctx.print(&e, || {
                format!(
                    "Returned evidence {} with the reason: {}",
                    e.id,
                    reason.trim()
                )
            })
        }
        ReviewCmd::Edit { id, words, message } => {
            let e = gp.edit_evidence_text(id, words.as_deref(), message.as_deref())?;
            ctx.print(&e, || format!("Updated evidence {}", e.id))
        }
    }
}

pub(super) fn sharing(ctx: &Ctx, c: SharingCmd) -> Result<()> {
    let gp = ctx.class()?;
    match c {
        SharingCmd::Add {
            at,
            until,
            title,
            place,
        } => {
            let start = crate::class::parse_local_time(&at, None)?;
            let end = until
                .map(|u| crate::class::parse_local_time(&u, Some(start.date())))
                .transpose()?;
            let s = gp.add_sharing_time(start, end, &title, &place)?;
            ctx.print(&s, || {
                format!("Planned sharing time {}: {} at {}", s.id, s.title, start)
            })
        }
        SharingCmd::List => {
            let list = gp.upcoming_sharing_times()?;
            let tz: chrono_tz::Tz = gp.class()?.timezone.parse().unwrap_or(chrono_tz::UTC);
            ctx.print(&list, || {
                let mut t = Table::new(["id", "when", "title", "place"]);
                for s in &list {
                    t.row([
                        s.id.to_string(),
                        s.starts_at
                            .with_timezone(&tz)
                            .format("%a %e %b %Y %H:%M")
                            .to_string(),
                        s.title.clone(),
                        s.place.clone(),
                    ]);
                }
                t.render_or("No sharing times planned: add one with `goalpost sharing add`.")
            })
        }
        SharingCmd::Edit {
            id,
            at,
            until,
            title,
            place,
        } => {
            let starts = at
                .as_deref()
                .map(|a| crate::class::parse_local_time(a, None))
                .transpose()?;
            let ends = match until.as_deref().map(str::trim) {
                None => None,
                Some("none") => Some(None),
                Some(u) => {
                    let day = match starts {
                        Some(s) => s.date(),
                        None => {
                            let tz: chrono_tz::Tz =
                                gp.class()?.timezone.parse().unwrap_or(chrono_tz::UTC);
                            gp.sharing_time(id)?
                                .starts_at
                                .with_timezone(&tz)
                                .date_naive()
                        }
                    };
                    Some(Some(crate::class::parse_local_time(u, Some(day))?))
                }
            };
            let change = crate::class::SharingChange {
                starts,
                ends,
                title,
                place,
            };
            let s = gp.edit_sharing_time(id, &change)?;
            ctx.print(&s, || {
                format!(
                    "Changed sharing time {}: {} (families hear of it at the next sync)",
                    s.id, s.title
                )
            })
        }
        SharingCmd::Cancel { id } | SharingCmd::Remove { id } => {
            let s = gp.cancel_sharing_time(id)?;
            ctx.print(
                &serde_json::json!({ "removed": id, "cancelled": id, "sharing": s }),
                || format!("Cancelled sharing time {id}: families who were invited hear of it at the next sync"),
            )
        }
    }
}
