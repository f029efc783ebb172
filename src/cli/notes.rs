//! `goalpost note`: a child's own notes to their family (see `crate::notes`).

use super::args::NoteCmd;
use super::output::Table;
use super::Ctx;
use crate::error::Result;
use crate::store::notes::NoteStatus;

pub(super) fn note(ctx: &Ctx, c: NoteCmd) -> Result<()> {
    let gp = ctx.class()?;
    match c {
        NoteCmd::List { all } => {
            let list = gp.notes((!all).then_some(NoteStatus::Waiting))?;
            ctx.print(&list, || {
                let mut t = Table::new(["id", "student", "status", "reaches", "note"]);
                for v in &list {
                    t.row([
                        v.note.id.to_string(),
                        v.display_name.clone(),
                        v.note.status.as_str().into(),
                        format!("{} contacts", v.contacts),
                        v.note.text.replace('\n', " "),
                    ]);
                }
                t.render_or(if all {
                    "No notes yet."
                } else {
                    "No note waits for review."
                })
            })
        }
        NoteCmd::Add { student, text } => {
            let s = gp.find_student(&student)?;
            let n = gp.add_note(s.id, &text)?;
            ctx.print(&n, || {
                format!(
                    "Added note {} from {} to their family: it waits for review (`goalpost note approve {}`).",
                    n.id, s.display_name, n.id
                )
            })
        }
        NoteCmd::Approve { ids, all } => {
            let done = if all {
                gp.approve_all_notes()?
            } else {
                gp.approve_notes(&ids)?
            };
            ctx.print(&done, || {
                if done.is_empty() {
                    "No note waits for review.".into()
                } else {
                    format!(
                        "Approved {} notes: the next sync sends each to its child's contacts.",
                        done.len()
                    )
                }
            })
        }
        NoteCmd::Reject { ids } => {
            let done = gp.reject_notes(&ids)?;
            ctx.print(&done, || {
                format!("Rejected {} notes: they never leave this PC.", done.len())
            })
        }
    }
}
