//! What templates see: the plan's posts turned into ready-to-print views, with dates and
//! labels in the class's language and links relative to the site's root.
//!
//! Everything here comes from the [`BlogPlan`](crate::plan::BlogPlan) and nothing else:
//! this is where "a student without a name" becomes the neutral label and where a photo
//! becomes a `srcset`, but never where consent is decided.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use chrono::NaiveDate;
use fluent_bundle::FluentValue;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::Result;
use crate::i18n::Localizer;
use crate::photo::Copies;
use crate::plan::{PublicPost, Text};

/// The blog's words in the class's language: the `blog` catalog, then `common`.
pub struct Words {
    blog: Localizer,
    common: Localizer,
    /// Every message without arguments, for templates (`t["nav-home"]`).
    pub map: BTreeMap<String, String>,
    /// The digest of every catalog text behind these words (see [`Localizer::digest`]).
    pub digest: [u8; 32],
    /// The neutral label for a child the blog may not name ("a classmate").
    classmate: String,
}

impl Words {
    pub fn new(data_dir: &Path, lang: &str) -> Result<Words> {
        let common = Localizer::new(Some(data_dir), "common", lang, lang)?;
        let blog = Localizer::new(Some(data_dir), "blog", lang, lang)?;
        let mut map: BTreeMap<String, String> = common.all_messages().into_iter().collect();
        map.extend(blog.all_messages());
        let digest = Sha256::new()
            .chain_update(common.digest)
            .chain_update(blog.digest)
            .finalize();
        let classmate = map
            .get("a-classmate")
            .cloned()
            .unwrap_or_else(|| crate::mentions::CLASSMATE_EN.to_string());
        Ok(Words {
            digest: digest.into(),
            blog,
            common,
            map,
            classmate,
        })
    }

    /// The message `id` with string arguments.
    pub fn t(&self, id: &str, args: &[(&str, &str)]) -> String {
        let args: Vec<(&str, FluentValue<'_>)> = args
            .iter()
            .map(|(k, v)| (*k, FluentValue::from(*v)))
            .collect();
        let in_blog = self.blog.t(id, &args);
        if in_blog != id {
            in_blog
        } else {
            self.common.t(id, &args)
        }
    }

    /// A text from the plan as the page shows it: each child it may not name as "a
    /// classmate" in the class's language, no control characters.
    pub fn text(&self, t: &Text) -> String {
        clean(&t.render(&self.classmate))
    }

    pub fn s(&self, id: &str) -> String {
        self.map.get(id).cloned().unwrap_or_else(|| id.to_string())
    }

    fn month_name(&self, month: u32) -> String {
        self.s(&format!("month-{month}"))
    }

    /// A day as families read it, e.g. "20 November 2026" or "20 de noviembre de 2026".
    pub fn date(&self, d: NaiveDate) -> String {
        use chrono::Datelike;
        self.t(
            "date-long",
            &[
                ("day", &d.day().to_string()),
                ("month", &self.month_name(d.month())),
                ("year", &d.year().to_string()),
            ],
        )
    }

    /// A month key (`2026-11`) as families read it, e.g. "November 2026".
    pub fn month(&self, key: &str) -> String {
        let (y, m) = key.split_once('-').unwrap_or((key, "0"));
        let m: u32 = m.parse().unwrap_or(0);
        self.t("month-year", &[("month", &self.month_name(m)), ("year", y)])
    }
}

/// Text from the database as it may appear in a page: no control characters (which HTML
/// and XML forbid) other than line breaks and tabs.
pub fn clean(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .filter(|c| !matches!(c, '\u{FFFE}' | '\u{FFFF}'))
        .collect()
}

/// A link to another page of the site, relative to the root.
#[derive(Debug, Clone, Serialize)]
pub struct LinkView {
    pub url: String,
    pub label: String,
}

/// One size of a photo, for `srcset`.
#[derive(Debug, Clone, Serialize)]
pub struct SrcView {
    pub url: String,
    pub w: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct PhotoView {
    /// The middle size, for `src` (browsers without `srcset`, feed readers).
    pub src: String,
    /// The smallest size, for lists.
    pub thumb: String,
    /// Every size, smallest first, one per width.
    pub copies: Vec<SrcView>,
    /// The largest copy's pixel size (the aspect ratio for `width`/`height`).
    pub width: u32,
    pub height: u32,
    pub alt: String,
}

/// What every page needs to know of a post (its link, its labels, the groups it is in),
/// made for every post at every build. The rest of its [`PostView`] is made only for the
/// pages that are rendered.
#[derive(Debug, Clone, Serialize)]
pub struct PostHead {
    pub slug: String,
    pub url: String,
    /// The display name, or the neutral label.
    pub name: String,
    pub student_url: Option<String>,
    pub goal: String,
    pub subject: String,
    pub subject_url: String,
    pub month_url: String,
    pub month_label: String,
    pub date_label: String,
}

/// Month and day labels, made once per month and per day rather than once per post.
#[derive(Debug, Default)]
pub struct Labels {
    months: HashMap<String, String>,
    days: HashMap<NaiveDate, String>,
}

impl Labels {
    pub fn new(words: &Words, posts: &[PublicPost]) -> Labels {
        let mut l = Labels::default();
        for p in posts {
            if !l.months.contains_key(&p.month) {
                l.months.insert(p.month.clone(), words.month(&p.month));
            }
            l.days.entry(p.day).or_insert_with(|| words.date(p.day));
        }
        l
    }
}

/// A post as its own page and the lists show it: its head's fields (`post.url`,
/// `post.name`...) and the rest.
#[derive(Debug, Clone, Serialize)]
pub struct PostView<'a> {
    #[serde(flatten)]
    pub head: &'a PostHead,
    /// The student's words, one paragraph per item.
    pub words: Vec<String>,
    /// The beginning of the words, for lists.
    pub excerpt: String,
    pub date_iso: String,
    pub next_goal: Option<String>,
    pub photo: Option<PhotoView>,
}

pub fn subject_label(words: &Words, subject: &Text) -> String {
    let s = words.text(subject);
    if s.trim().is_empty() {
        words.s("subject-none")
    } else {
        s
    }
}

pub fn post_head(p: &PublicPost, words: &Words, labels: &Labels) -> PostHead {
    PostHead {
        slug: p.slug.clone(),
        url: super::post_path(&p.slug),
        name: match &p.student.display_name {
            Some(n) => clean(n),
            None => words.s("a-student"),
        },
        student_url: p
            .student
            .slug
            .as_ref()
            .map(|s| format!("students/{s}.html")),
        goal: words.text(&p.goal_title),
        subject: subject_label(words, &p.subject),
        subject_url: format!("subjects/{}.html", p.subject_slug),
        month_url: format!("archive/{}.html", p.month),
        month_label: labels
            .months
            .get(&p.month)
            .cloned()
            .unwrap_or_else(|| words.month(&p.month)),
        date_label: labels
            .days
            .get(&p.day)
            .cloned()
            .unwrap_or_else(|| words.date(p.day)),
    }
}

/// Everything templates see of a post. A pure function of the post, its head, the words
/// and the copies of its photo: a page's key covers these through the post's digest and
/// the build's salt (see `site`).
pub fn post_view<'a>(
    p: &PublicPost,
    head: &'a PostHead,
    words: &Words,
    copies: &HashMap<&str, &Copies>,
) -> PostView<'a> {
    let text = words.text(&p.words);
    let paragraphs: Vec<String> = text
        .split('\n')
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    let photo = p
        .photo_hash
        .as_deref()
        .and_then(|h| copies.get(h))
        .and_then(|c| photo_view(c, words.t("photo-alt", &[("goal", &head.goal)])));
    PostView {
        head,
        excerpt: excerpt(paragraphs.first().map(String::as_str).unwrap_or(""), 180),
        words: paragraphs,
        date_iso: p.day.format("%Y-%m-%d").to_string(),
        next_goal: p.next_goal.as_ref().map(|t| words.text(t)),
        photo,
    }
}

fn photo_view(c: &Copies, alt: String) -> Option<PhotoView> {
    let mut sizes: Vec<&crate::photo::CopyInfo> = c.copies.iter().collect();
    sizes.sort_by_key(|i| (i.width, i.file_name.clone()));
    // Two copies of the same width (a small photo is never enlarged) would make an
    // invalid srcset: keep one per width.
    sizes.dedup_by_key(|i| i.width);
    let largest = *sizes.last()?;
    let smallest = *sizes.first()?;
    let middle = sizes[sizes.len() / 2];
    let url = |f: &str| format!("media/{f}");
    Some(PhotoView {
        src: url(&middle.file_name),
        thumb: url(&smallest.file_name),
        copies: sizes
            .iter()
            .map(|i| SrcView {
                url: url(&i.file_name),
                w: i.width,
            })
            .collect(),
        width: largest.width,
        height: largest.height,
        alt,
    })
}

fn excerpt(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i > max / 2 => &cut[..i],
        _ => cut.as_str(),
    };
    format!("{}…", cut.trim_end_matches([',', '.', ';', ':', ' ']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_keeps_text_and_drops_controls() {
        assert_eq!(clean("a\u{0}b\u{7}\nc\td\u{FFFF}"), "ab\nc\td");
        assert_eq!(clean("<script>]]>"), "<script>]]>");
    }

    #[test]
    fn excerpts_cut_at_a_word() {
        assert_eq!(excerpt("short", 10), "short");
        assert_eq!(excerpt("one two three four", 12), "one two…");
        assert_eq!(excerpt("ēēēēēēēēēēēēēēē", 5), "ēēēēē…");
    }

    #[test]
    fn srcset_has_one_copy_per_width() {
        use crate::photo::{CopyInfo, Size};
        let info = |size, w| CopyInfo {
            size,
            file_name: crate::photo::copy_file_name("abc", size),
            width: w,
            height: w / 2,
            file_id: None,
        };
        let c = Copies {
            hash: "abc".into(),
            copies: vec![
                info(Size::Web, 300),
                info(Size::Email, 300),
                info(Size::Thumb, 200),
            ],
        };
        let v = photo_view(&c, "alt".into()).unwrap();
        let widths: Vec<u32> = v.copies.iter().map(|c| c.w).collect();
        assert_eq!(widths, [200, 300]);
        assert_eq!((v.width, v.height), (300, 150));
        assert_eq!(v.thumb, "media/abc-400.jpg");
    }
}
