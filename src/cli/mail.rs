//! `mail` and `config`: the mail server, the outbox and the settings.

use super::args::*;
use super::output::{mail_summary_text, Table};
use super::Ctx;
use crate::error::{Error, Result};

pub(super) fn config(ctx: &Ctx, c: ConfigCmd) -> Result<()> {
    let gp = ctx.class()?;
    match c {
        ConfigCmd::List => {
            let list = gp.settings()?;
            ctx.print(&list, || {
                let mut out = String::new();
                for s in &list {
                    out.push_str(&format!(
                        "{} = {}{}\n    {}\n",
                        s.key,
                        s.value.as_deref().unwrap_or("(not set)"),
                        if s.is_default && s.value.is_some() {
                            " (default)"
                        } else {
                            ""
                        },
                        s.help
                    ));
                }
                out
            })
        }
        ConfigCmd::Get { key } => {
            let v = gp.setting(&key)?;
            ctx.print(&serde_json::json!({ "key": key, "value": v }), || {
                v.clone().unwrap_or_default()
            })
        }
        ConfigCmd::Set { key, value } => {
            let v = gp.set_setting(&key, &value)?;
            ctx.print(&serde_json::json!({ "key": key, "value": v }), || {
                format!("{key} = {}", v.as_deref().unwrap_or("(not set)"))
            })
        }
    }
}

pub(super) fn mail(ctx: &Ctx, c: MailCmd) -> Result<()> {
    let gp = ctx.class()?;
    match c {
        MailCmd::Send => {
            let json = ctx.json;
            let s = gp.mail_send(&mut |p| {
                if !json {
                    if let crate::mail::Progress::Sending { done, total } = p {
                        if done % 25 == 0 && total > 25 {
                            eprintln!("sending {done}/{total}...");
                        }
                    }
                }
            })?;
            ctx.print(&s, || mail_summary_text(&s))?;
            match s.stopped {
                Some(why) => Err(Error::Mail(format!(
                    "sending stopped: {why}. Nothing is lost: what was not sent stays queued for the next run."
                ))),
                None => Ok(()),
            }
        }
        MailCmd::Test { address } => {
            let r = gp.mail_test(&address)?;
            ctx.print(&r, || match &r.file {
                Some(f) => format!(
                    "No mail server is set (smtp.url): the test message was written to {}. Open it with a mail program.",
                    f.display()
                ),
                None => format!("The mail server {} accepted a test message to {}.", r.transport, r.to),
            })
        }
        MailCmd::Outbox { all } => {
            let list = gp.mail_outbox(!all)?;
            ctx.print(&list, || {
                let mut t = Table::new([
                    "id",
                    "contact",
                    "kind",
                    "status",
                    "tries",
                    "next try",
                    "last error",
                ]);
                for e in &list {
                    let d = &e.delivery;
                    t.row([
                        d.id.to_string(),
                        e.contact.clone(),
                        d.kind.as_str().into(),
                        d.status.as_str().into(),
                        d.attempts.to_string(),
                        d.next_attempt_at
                            .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                            .unwrap_or_default(),
                        d.last_error.clone().unwrap_or_default(),
                    ]);
                }
                t.render_or(if all {
                    "The outbox is empty."
                } else {
                    "Nothing waits and nothing failed."
                })
            })
        }
        MailCmd::Password => {
            let mut pw = String::new();
            std::io::stdin()
                .read_line(&mut pw)
                .map_err(|e| Error::io("read the password from", "standard input", e))?;
            let who = gp.mail_store_password(pw.trim_end_matches(['\r', '\n']))?;
            ctx.print(&serde_json::json!({ "stored_for": who }), || {
                format!("Stored the password for {who} in the OS keyring.")
            })
        }
        MailCmd::Retry { ids, all } => {
            let n = gp.mail_retry(if all { &[] } else { &ids })?;
            ctx.print(&serde_json::json!({ "queued": n }), || {
                format!("Queued {n} deliveries again; `goalpost mail send` sends them.")
            })
        }
    }
}
