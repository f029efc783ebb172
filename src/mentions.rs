//! Names in the free text that leaves the PC.
//!
//! Children name each other in their words ("Mei and Zoë helped me"), sometimes themselves
//! with their last name, and teachers name children in goal titles, subjects and sharing
//! times. A family's refusal must hold in all of it, whenever they refused: so at every
//! sync the plan (`crate::plan`) marks, in each text that leaves the PC, the names its
//! output may not show, with today's consents ([`Names::mark`]), and the text it hands on
//! ([`Text`]) holds in their place what that output may show:
//!
//! - a pseudonymised child's real first name: the pseudonym, on the blog and in every
//!   family's email, digest and slip;
//! - the name of a child without blog consent, or without consent to their name on the
//!   blog: on the blog and its feed, a neutral label, "a classmate" ([`Piece::Classmate`]),
//!   which each renderer writes in its reader's language ([`Text::render`]);
//! - a last name, always: the child's display name, as families and the blog know them
//!   ("Mei Chen" and "Chen" both become "Mei", or "Star").
//!
//! Review points the same names out before the teacher approves ([`find`]), so that they
//! can word it better than a replacement does; `review approve --all` leaves such evidence
//! waiting.
//!
//! Matching is by whole words, ignoring case and accents ("zoe" finds "Zoë"). A name that
//! is also an everyday word ("May", "Will") is matched too: a word replaced costs less than
//! a name on the web. Names under two letters are never looked for. Where one word is the
//! name of two children whom the output must treat differently, it gets the neutral label.

use std::collections::HashMap;

use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

use crate::model::{ConsentSet, Purpose, Student, StudentId};
pub use crate::model::{Mention, MentionReason};

/// The names in `words` (by the student `author`) that Review points out: every name the
/// blog or a family's message would not show as written (see the module docs).
pub fn find(
    words: &str,
    author: StudentId,
    students: &[Student],
    consents: &HashMap<StudentId, ConsentSet>,
) -> Vec<Mention> {
    Names::new(students, consents).mentions(words, author)
}

/// Where a text goes: what it may show depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// The public blog and its feed.
    Blog,
    /// A family's email, digest, slip or goal sheet (any family's).
    Family,
}

/// Free text that leaves the PC, with the names its output may not show already replaced
/// (see the module docs). It has no `Display`: a renderer writes it with
/// [`Text::render`], giving the neutral label in its reader's language.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Text {
    pieces: Vec<Piece>,
}

/// A piece of a [`Text`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Piece {
    /// Words as they were written.
    Plain(String),
    /// A name put in place of the one written: a pseudonym or a display name.
    Name(String),
    /// A child the output may not name: "a classmate", in the reader's language.
    Classmate,
}

/// The neutral label when a [`Text`] is serialised (for scripts and benchmarks, never for
/// families: renderers use [`Text::render`] with their own language's label).
pub const CLASSMATE_EN: &str = "a classmate";

impl Text {
    /// Text with no name replaced.
    pub fn plain(s: impl Into<String>) -> Text {
        let s = s.into();
        Text {
            pieces: if s.is_empty() {
                Vec::new()
            } else {
                vec![Piece::Plain(s)]
            },
        }
    }

    pub fn pieces(&self) -> &[Piece] {
        &self.pieces
    }

    /// Whether a name was replaced.
    pub fn replaced(&self) -> bool {
        self.pieces.iter().any(|p| !matches!(p, Piece::Plain(_)))
    }

    /// The text to show, with `classmate` (the neutral label in the reader's language) for
    /// each child it may not name; capitalised where it starts the text or a sentence.
    pub fn render(&self, classmate: &str) -> String {
        let mut out = String::new();
        for p in &self.pieces {
            match p {
                Piece::Plain(s) | Piece::Name(s) => out.push_str(s),
                Piece::Classmate => {
                    let starts = out
                        .trim_end_matches([' ', '\t', '"', '“', '«', '(', '¡', '¿'])
                        .chars()
                        .next_back()
                        .is_none_or(|c| matches!(c, '.' | '!' | '?' | '\n' | ':'));
                    let mut chars = classmate.chars();
                    match chars.next() {
                        Some(first) if starts => {
                            out.extend(first.to_uppercase());
                            out.push_str(chars.as_str());
                        }
                        _ => out.push_str(classmate),
                    }
                }
            }
        }
        out
    }

    fn push_plain(&mut self, s: &str) {
        if s.is_empty() {
            return;
        }
        match self.pieces.last_mut() {
            Some(Piece::Plain(p)) => p.push_str(s),
            _ => self.pieces.push(Piece::Plain(s.to_string())),
        }
    }
}

impl Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.render(CLASSMATE_EN))
    }
}

/// Which of a child's names a match is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    First,
    Last,
    /// The first name followed by the last.
    Full,
}

/// A child as the names' rules see them.
#[derive(Debug, Clone)]
struct Who {
    id: StudentId,
    display_name: String,
    pseudonym: Option<String>,
    blog: bool,
    named: bool,
}

/// One name to look for.
#[derive(Debug, Clone)]
struct Needle {
    chars: Vec<char>,
    who: usize,
    kind: Kind,
}

/// One name found, in folded characters.
#[derive(Debug, Clone, Copy)]
struct Found {
    start: usize,
    end: usize,
    who: usize,
    kind: Kind,
}

/// What an output shows for a name.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Label {
    Keep,
    Name(String),
    Classmate,
}

/// The class's names, folded once, and what each output may show of each child: made once
/// per plan, then used on every text.
#[derive(Debug, Clone, Default)]
pub struct Names {
    who: Vec<Who>,
    /// The names that begin with a word, by that word (folded).
    by_word: HashMap<String, Vec<Needle>>,
    /// Names that begin with something else: tried everywhere.
    odd: Vec<Needle>,
}

impl Names {
    pub fn new(students: &[Student], consents: &HashMap<StudentId, ConsentSet>) -> Names {
        let none = ConsentSet::default();
        let mut names = Names::default();
        for s in students {
            let c = consents.get(&s.id).unwrap_or(&none);
            let who = names.who.len();
            names.who.push(Who {
                id: s.id,
                display_name: s.display_name.clone(),
                pseudonym: s.pseudonym.clone(),
                blog: c.allows(Purpose::Blog),
                named: c.allows(Purpose::NameOnBlog),
            });
            for (name, kind) in [(&s.first_name, Kind::First), (&s.last_name, Kind::Last)] {
                let chars: Vec<char> = name.trim().chars().flat_map(fold).collect();
                if chars.iter().filter(|c| c.is_alphanumeric()).count() < 2 {
                    continue;
                }
                let needle = Needle { chars, who, kind };
                match first_word(&needle.chars) {
                    Some(w) => names.by_word.entry(w).or_default().push(needle),
                    None => names.odd.push(needle),
                }
            }
        }
        names
    }

    /// Every whole-word occurrence of a name in `text`, by start.
    fn found(&self, text: &Folded<'_>) -> Vec<Found> {
        let hay = &text.folded;
        let mut out = Vec::new();
        if self.by_word.is_empty() && self.odd.is_empty() {
            return out;
        }
        let whole = |i: usize, n: &Needle| {
            let end = i + n.chars.len();
            end <= hay.len()
                && hay[i..end] == n.chars[..]
                && (i == 0 || !hay[i - 1].is_alphanumeric())
                && hay.get(end).is_none_or(|c| !c.is_alphanumeric())
        };
        let mut i = 0;
        let mut word = String::new();
        while i < hay.len() {
            if hay[i].is_alphanumeric() && (i == 0 || !hay[i - 1].is_alphanumeric()) {
                let len = hay[i..].iter().take_while(|c| c.is_alphanumeric()).count();
                word.clear();
                word.extend(&hay[i..i + len]);
                if let Some(needles) = self.by_word.get(&word) {
                    for n in needles.iter().filter(|n| whole(i, n)) {
                        out.push(Found {
                            start: i,
                            end: i + n.chars.len(),
                            who: n.who,
                            kind: n.kind,
                        });
                    }
                }
                i += len;
            } else {
                i += 1;
            }
        }
        for n in &self.odd {
            for i in 0..hay.len() {
                if whole(i, n) {
                    out.push(Found {
                        start: i,
                        end: i + n.chars.len(),
                        who: n.who,
                        kind: n.kind,
                    });
                }
            }
        }
        if !self.odd.is_empty() {
            out.sort_by_key(|f| (f.start, f.end));
        }
        out
    }

    /// What `out` shows for child `w`'s name written as `kind`.
    fn label(&self, w: usize, kind: Kind, out: Output) -> Label {
        let who = &self.who[w];
        if out == Output::Blog && !(who.blog && who.named) {
            return Label::Classmate;
        }
        match (kind, &who.pseudonym) {
            (Kind::First, Some(p)) => Label::Name(p.clone()),
            (Kind::First, None) => Label::Keep,
            (Kind::Last | Kind::Full, _) => Label::Name(who.display_name.clone()),
        }
    }

    /// `text` as `out` may show it: each name it may not show replaced (see the module docs).
    pub fn mark(&self, text: &str, out: Output) -> Text {
        let folded = Folded::new(text);
        let found = self.found(&folded);
        if found.is_empty() {
            return Text::plain(text);
        }
        let mut t = Text::default();
        let mut done = 0; // bytes of `text` already in `t`
        for span in spans(&folded, &found) {
            // Each child named here, with how (first and last name together: `Full`).
            let mut named: Vec<(usize, Kind)> = Vec::new();
            for f in &found[span.clone()] {
                match named.iter_mut().find(|(w, _)| *w == f.who) {
                    Some((_, k)) if *k != f.kind => *k = Kind::Full,
                    Some(_) => {}
                    None => named.push((f.who, f.kind)),
                }
            }
            // A first name followed by a child's last name is that child, not the others
            // who share the first name.
            if named.iter().any(|(_, k)| *k == Kind::Full) {
                named.retain(|(_, k)| *k == Kind::Full);
            }
            let mut labels = named.iter().map(|&(w, k)| self.label(w, k, out));
            let first = labels.next().unwrap_or(Label::Keep);
            let label = if labels.all(|l| l == first) {
                first
            } else {
                Label::Classmate
            };
            let (start, end) = folded.bytes(
                found[span.clone()]
                    .iter()
                    .map(|f| f.start)
                    .min()
                    .unwrap_or(0),
                found[span].iter().map(|f| f.end).max().unwrap_or(0),
            );
            t.push_plain(&text[done..start]);
            match label {
                Label::Keep => t.push_plain(&text[start..end]),
                Label::Name(n) => t.pieces.push(Piece::Name(n)),
                Label::Classmate => t.pieces.push(Piece::Classmate),
            }
            done = end;
        }
        t.push_plain(&text[done..]);
        t
    }

    /// Whether `text` names any child of the class, whatever the consents (a goal title
    /// kept for next year must name no one: see `crate::portfolio::archive`).
    pub fn names_anyone(&self, text: &str) -> bool {
        !self.found(&Folded::new(text)).is_empty()
    }

    /// The names Review points out in `words` by the student `author`: for each child and
    /// each reason, the first place their name is written.
    pub fn mentions(&self, words: &str, author: StudentId) -> Vec<Mention> {
        let folded = Folded::new(words);
        let mut out: Vec<Mention> = Vec::new();
        for f in self.found(&folded) {
            let who = &self.who[f.who];
            let reason = match f.kind {
                Kind::Last | Kind::Full => MentionReason::LastName,
                Kind::First if who.id != author && !who.blog => MentionReason::NoBlogConsent,
                Kind::First if !who.named => MentionReason::NoNameConsent,
                Kind::First if who.pseudonym.is_some() => MentionReason::Pseudonym,
                Kind::First => continue,
            };
            if out
                .iter()
                .any(|m| m.student_id == who.id && m.reason == reason)
            {
                continue;
            }
            let (start, end) = folded.bytes(f.start, f.end);
            out.push(Mention {
                student_id: who.id,
                name: who.display_name.clone(),
                found: words[start..end].trim_end().to_string(),
                reason,
            });
        }
        out.sort_by_key(|m| (m.reason, m.student_id));
        out
    }
}

/// The first word (letters and digits) a folded name begins with, if it begins with one.
fn first_word(chars: &[char]) -> Option<String> {
    let len = chars.iter().take_while(|c| c.is_alphanumeric()).count();
    (len > 0).then(|| chars[..len].iter().collect())
}

/// `found` (sorted by start) grouped into the spans a text is replaced by: names that
/// overlap, and a first name followed by a last name of the same child with only spaces
/// between ("Mei Chen"), are one span. Ranges of indexes into `found`.
fn spans(text: &Folded<'_>, found: &[Found]) -> Vec<std::ops::Range<usize>> {
    let mut out: Vec<std::ops::Range<usize>> = Vec::new();
    let mut end = 0; // where the last span ends, in folded characters
    for (i, f) in found.iter().enumerate() {
        let joins = out.last().is_some_and(|r| {
            f.start < end
                || f.kind == Kind::Last
                    && text.folded[end..f.start].iter().all(|c| c.is_whitespace())
                    && found[r.clone()]
                        .iter()
                        .any(|g| g.who == f.who && g.kind == Kind::First)
        });
        match out.last_mut().filter(|_| joins) {
            Some(r) => {
                r.end = i + 1;
                end = end.max(f.end);
            }
            None => {
                out.push(i..i + 1);
                end = f.end;
            }
        }
    }
    out
}

/// Text folded for matching (lower case, accents off), with where each folded character
/// came from, so a match can be found again in the text as it was written.
struct Folded<'a> {
    original: &'a str,
    folded: Vec<char>,
    /// The byte offset in `original` of each folded character.
    at: Vec<usize>,
}

impl<'a> Folded<'a> {
    fn new(original: &'a str) -> Folded<'a> {
        let mut folded = Vec::with_capacity(original.len());
        let mut at = Vec::with_capacity(original.len());
        for (i, ch) in original.char_indices() {
            if ch.is_ascii() {
                folded.push(ch.to_ascii_lowercase());
                at.push(i);
                continue;
            }
            for c in fold(ch) {
                folded.push(c);
                at.push(i);
            }
        }
        Folded {
            original,
            folded,
            at,
        }
    }

    /// The bytes of `original` that the folded characters `start..end` came from: whole
    /// characters as written.
    fn bytes(&self, start: usize, end: usize) -> (usize, usize) {
        let from = self.at[start];
        let last = self.at[end - 1];
        let to = last
            + self.original[last..]
                .chars()
                .next()
                .map_or(0, char::len_utf8);
        (from, to)
    }
}

/// One character folded for matching: lower case, decomposed (NFD), its accents dropped.
fn fold(ch: char) -> impl Iterator<Item = char> {
    ch.to_lowercase()
        .nfd()
        .filter(|&c| !unicode_normalization::char::is_combining_mark(c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Consent;

    fn student(id: StudentId, first: &str, last: &str) -> Student {
        Student {
            id,
            first_name: first.into(),
            last_name: last.into(),
            pseudonym: None,
            display_name: first.into(),
        }
    }

    fn consent(blog: bool, name: bool) -> ConsentSet {
        ConsentSet {
            records: [(Purpose::Blog, blog), (Purpose::NameOnBlog, name)]
                .into_iter()
                .map(|(purpose, granted)| Consent {
                    purpose,
                    granted,
                    given_by: "Mum".into(),
                    given_at: "2026-11-01T00:00:00Z".parse().unwrap(),
                })
                .collect(),
        }
    }

    fn class() -> (Vec<Student>, HashMap<StudentId, ConsentSet>) {
        let students = vec![
            student(1, "Tūī", "Ngata"),
            student(2, "Priya", "Sharma"),
            student(3, "Zoë", "Müller"),
            student(4, "Sione", "Taufa"),
            student(5, "Al", "Li"),
        ];
        let consents = HashMap::from([
            (1, consent(true, false)),
            (2, consent(false, false)),
            (3, consent(true, false)),
            (4, consent(true, true)),
            (5, consent(false, false)),
        ]);
        (students, consents)
    }

    fn reasons(words: &str, author: StudentId) -> Vec<(StudentId, &'static str, String)> {
        let (students, consents) = class();
        find(words, author, &students, &consents)
            .into_iter()
            .map(|m| {
                let r = match m.reason {
                    MentionReason::LastName => "last",
                    MentionReason::NoBlogConsent => "no blog",
                    MentionReason::NoNameConsent => "no name",
                    MentionReason::Pseudonym => "pseudonym",
                };
                (m.student_id, r, m.found)
            })
            .collect()
    }

    #[test]
    fn classmates_without_consent_and_last_names_are_found_as_written() {
        assert_eq!(
            reasons("priya SHARMA and zoe helped me. Thanks Sione!", 4),
            vec![
                (2, "last", "SHARMA".to_string()),
                (2, "no blog", "priya".to_string()),
                (3, "no name", "zoe".to_string()),
            ],
            "Sione agreed to his name on the blog; Zoë did not; Priya not to the blog"
        );
        // The author's own first name, without name consent; their last name always.
        assert_eq!(
            reasons("I am Tui Ngata", 1),
            vec![
                (1, "last", "Ngata".to_string()),
                (1, "no name", "Tui".to_string())
            ]
        );
    }

    #[test]
    fn only_whole_words_and_names_of_two_letters_or_more() {
        assert!(reasons("Priyanka and the Sharmas went to Alaska", 4).is_empty());
        assert_eq!(
            reasons("I made a pie with Li and Al", 4),
            vec![
                (5, "last", "Li".to_string()),
                (5, "no blog", "Al".to_string())
            ]
        );
        assert!(reasons("", 4).is_empty());
        // Any accent folds, not only a listed few.
        let folded: String = "Čapek Ștefan Zoë".chars().flat_map(fold).collect();
        assert_eq!(folded, "capek stefan zoe");
        assert!(reasons("🌱🌱 plants need light 🌱", 4).is_empty());
    }

    /// A class for the replacement tests: Mei goes by Star; Tūī has blog consent but not
    /// to her name; Priya has no blog consent; Sione has every consent; two Anas, one of
    /// whom goes by Moon.
    fn names() -> Names {
        let (mut students, mut consents) = class();
        students.push(Student {
            id: 6,
            first_name: "Mei".into(),
            last_name: "Chen".into(),
            pseudonym: Some("Star".into()),
            display_name: "Star".into(),
        });
        consents.insert(6, consent(true, true));
        for (id, last, pseudonym) in [(7, "López", Some("Moon")), (8, "Smith", None)] {
            students.push(Student {
                id,
                first_name: "Ana".into(),
                last_name: last.into(),
                pseudonym: pseudonym.map(Into::into),
                display_name: pseudonym.unwrap_or("Ana S.").into(),
            });
            consents.insert(id, consent(true, true));
        }
        Names::new(&students, &consents)
    }

    fn shown(text: &str, out: Output) -> String {
        names().mark(text, out).render("a classmate")
    }

    #[test]
    fn the_blog_shows_pseudonyms_display_names_and_the_neutral_label() {
        let out = Output::Blog;
        assert_eq!(
            shown("Mei and Zoë helped me. mei is fast!", out),
            "Star and a classmate helped me. Star is fast!"
        );
        assert_eq!(
            shown("Tui did it all by herself", out),
            "A classmate did it all by herself"
        );
        assert_eq!(shown("Thanks PRIYA SHARMA!", out), "Thanks a classmate!");
        assert_eq!(shown("Sione Taufa and Taufa", out), "Sione and Sione");
        assert_eq!(shown("Mei Chen's idea", out), "Star's idea");
        // Two children share the name, and the blog treats them differently.
        assert_eq!(shown("Ana helped", out), "A classmate helped");
        assert_eq!(
            shown("Priyanka, Alaska, Sionea", out),
            "Priyanka, Alaska, Sionea"
        );
        assert!(!names().mark("nothing here", out).replaced());
    }

    #[test]
    fn family_messages_show_pseudonyms_and_display_names_only() {
        let out = Output::Family;
        assert_eq!(
            shown("Mei and Zoë helped me", out),
            "Star and Zoë helped me",
            "a classmate's first name is kept in a family's message, unless a pseudonym"
        );
        assert_eq!(shown("I am Tui Ngata", out), "I am Tūī");
        assert_eq!(shown("Priya helped", out), "Priya helped");
        assert_eq!(shown("Ana helped", out), "A classmate helped");
        assert_eq!(shown("Ana López helped", out), "Moon helped");
        let t = names().mark("¡Mei!", out);
        assert_eq!(
            t.pieces(),
            [
                Piece::Plain("¡".into()),
                Piece::Name("Star".into()),
                Piece::Plain("!".into())
            ]
        );
        assert_eq!(serde_json::to_value(&t).unwrap(), "¡Star!");
    }

    #[test]
    fn review_points_out_a_pseudonymised_childs_real_name() {
        let n = names();
        let m = n.mentions("Mei and Sione", 4);
        assert_eq!(m.len(), 1, "{m:?}");
        assert_eq!(m[0].reason, MentionReason::Pseudonym);
        assert_eq!((m[0].student_id, m[0].found.as_str()), (6, "Mei"));
    }
}
