//! Plain text tables for the terminal; `--json` bypasses them.

pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new<const N: usize>(header: [&str; N]) -> Self {
        Table {
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row<const N: usize>(&mut self, cells: [String; N]) {
        self.rows.push(cells.into());
    }

    /// The table with aligned columns, or `empty` when it has no rows.
    pub fn render_or(&self, empty: &str) -> String {
        if self.rows.is_empty() {
            return empty.to_string();
        }
        let width = |s: &str| s.chars().count();
        let mut widths: Vec<usize> = self.header.iter().map(|h| width(h)).collect();
        for r in &self.rows {
            for (i, c) in r.iter().enumerate() {
                widths[i] = widths[i].max(width(c));
            }
        }
        let line = |cells: &[String]| {
            let mut s = String::new();
            for (i, c) in cells.iter().enumerate() {
                if i + 1 == cells.len() {
                    s.push_str(c);
                } else {
                    s.push_str(c);
                    s.push_str(&" ".repeat(widths[i] - width(c) + 2));
                }
            }
            s.trim_end().to_string()
        };
        let mut out = line(&self.header);
        out.push('\n');
        for r in &self.rows {
            out.push_str(&line(r));
            out.push('\n');
        }
        out
    }
}

pub(super) fn mail_summary_text(s: &crate::mail::MailSummary) -> String {
    let mut out = format!(
        "Queued {} emails, {} weekly digests and {} slips.\nSent {} emails and {} digests via {}; wrote {} slips.",
        s.queued.emails, s.queued.digests, s.queued.slips, s.sent, s.digests, s.transport, s.slips
    );
    for f in &s.print_files {
        out.push_str(&format!("\nSlips to print: {}", f.display()));
    }
    if s.queued.invitations > 0 {
        out.push_str(&format!(
            "\n{} invitations, reminders and updates about sharing times queued (by email with a calendar file, on slips or as chat texts).",
            s.queued.invitations
        ));
    }
    if s.queued.held_back > 0 {
        out.push_str(&format!(
            "\n{} achievements wait for the weekly gathering on mail.weekly_day: their families already had mail.max_per_week messages this week.",
            s.queued.held_back
        ));
    }
    if s.queued.chats > 0 {
        out.push_str(&format!(
            "\n{} chat texts prepared for families on chat: send them, then mark them sent (`goalpost chat list`).",
            s.queued.chats
        ));
    }
    if s.retries_waiting > 0 {
        out.push_str(&format!(
            "\n{} waiting to be tried again ({} with an unknown outcome, to be resent with the same Message-ID).",
            s.retries_waiting, s.unknown_outcomes
        ));
    }
    if s.interrupted > 0 {
        out.push_str(&format!(
            "\n{} were interrupted by an earlier run and were sent again.",
            s.interrupted
        ));
    }
    if s.waiting_for_photos > 0 {
        out.push_str(&format!(
            "\n{} wait for photo copies (a sync makes them).",
            s.waiting_for_photos
        ));
    }
    for f in &s.failures {
        out.push_str(&format!("\nFAILED for {}: {}", f.contact, f.reason));
    }
    for u in &s.unreachable {
        out.push_str(&format!("\nCannot reach {}: {}", u.contact, u.reason));
    }
    for f in &s.language_fallbacks {
        out.push_str(&format!(
            "\n{} reads {}, which has no catalog yet: sent in {}. Add <data folder>/i18n/{}/mail.ftl to fix.",
            f.contact, f.wanted, f.used, f.wanted
        ));
    }
    out
}

pub(super) fn sync_summary_text(s: &crate::sync::SyncSummary) -> String {
    let b = &s.blog;
    let mut out = if s.dry_run {
        format!(
            "Dry run: nothing was changed.\nThe blog would get {} new posts: {} files written, {} removed ({}).",
            s.new_posts,
            b.written.len(),
            b.removed.len(),
            b.dir.display()
        )
    } else {
        format!(
            "Blog: {} new posts, {} files written, {} unchanged, {} removed ({}).",
            s.new_posts,
            b.written.len(),
            b.unchanged,
            b.removed.len(),
            b.dir.display()
        )
    };
    if let Some(p) = &s.publish {
        out.push_str(&format!(
            "\nPublished with `{}`: {}",
            p.command,
            if p.ok {
                "ok".to_string()
            } else {
                format!("FAILED (exit {:?}): {}", p.exit_code, p.output.trim())
            }
        ));
    }
    if let Some(m) = &s.mail {
        out.push('\n');
        out.push_str(&mail_summary_text(m));
    }
    for e in &s.erasures_unfinished {
        out.push_str(&format!("\nErasure not finished: {e}"));
    }
    for dir in &s.backup_folders_to_clean {
        out.push_str(&format!("\n{}", crate::erasure::backup_folder_waiting(dir)));
    }
    out.push_str(&backup_lines(s));
    for f in &s.families {
        out.push_str(&format!(
            "\n{} ({}, {}{}):",
            f.contact,
            f.channel,
            f.language_used,
            if f.language_used != f.language {
                format!(", asked for {}", f.language)
            } else {
                String::new()
            }
        ));
        for d in &f.deliveries {
            let items: Vec<String> = d
                .items
                .iter()
                .map(|i| {
                    format!(
                        "{}: {}{}",
                        i.student,
                        i.goal,
                        if i.with_photo { " (photo)" } else { "" }
                    )
                })
                .chain(
                    d.notes
                        .iter()
                        .map(|n| format!("{}: a note: \"{}\"", n.student, n.text)),
                )
                .collect();
            out.push_str(&format!("\n  {} - {}", d.kind, items.join("; ")));
        }
    }
    if s.dry_run {
        for u in &s.unreachable {
            out.push_str(&format!("\nCannot reach {}: {}", u.contact, u.reason));
        }
    }
    out
}

/// Says how many refused emails a corrected address sends again; nothing when none.
pub(super) fn queued_again(n: usize) -> String {
    match n {
        0 => String::new(),
        1 => "\n1 email the mail server refused goes again to the corrected address at the next sync.".into(),
        n => format!("\n{n} emails the mail server refused go again to the corrected address at the next sync."),
    }
}

/// The sync summary's lines about photos and the day's automatic backup (issue 15).
fn backup_lines(s: &crate::sync::SyncSummary) -> String {
    let mut out = String::new();
    if !s.photos_missing.is_empty() {
        out.push_str(&format!(
            "\n{} photos are missing (neither the original nor its web copies is in the data folder, as after restoring an older backup of the database alone): evidence {} went out without its photo.",
            s.photos_missing.len(),
            crate::photo::missing_evidence_ids(&s.photos_missing)
        ));
    }
    if s.originals_removed > 0 {
        out.push_str(&format!(
            "\nRemoved {} photo originals older than photo.keep_originals_days; their web copies stay and are used from now on.",
            s.originals_removed
        ));
    }
    match &s.auto_backup {
        Some(a) if a.ok => {
            if let Some(f) = &a.file {
                out.push_str(&format!("\nAutomatic backup: {}", f.display()));
            }
            if !a.removed.is_empty() {
                out.push_str(&format!(" (older ones removed: {})", a.removed.join(", ")));
            }
        }
        Some(a) => out.push_str(&format!(
            "\nAUTOMATIC BACKUP FAILED: {}",
            a.error.as_deref().unwrap_or("unknown error")
        )),
        None => {}
    }
    out
}
