//! Names in a child's words that the blog must not show.
//!
//! The blog shows a child's own words as they said them. Children name each other ("Priya
//! helped me"), and sometimes themselves with their last name. The plan cannot tell a name
//! from a word, so Review points these out before the teacher approves, and the teacher
//! edits the words: a student's last name (the blog never shows last names), the first
//! name of a classmate whose family did not agree to the blog, or to their name on it, and
//! the child's own first name when their family did not agree to their name on the blog.
//!
//! Matching is by whole words, ignoring case and accents ("zoe" finds "Zoë"). A name that
//! is also an everyday word ("May", "Will") is pointed out too: a glance costs less than a
//! name on the web.

use std::collections::HashMap;

use unicode_normalization::UnicodeNormalization;

use crate::model::{ConsentSet, Purpose, Student, StudentId};
pub use crate::model::{Mention, MentionReason};

/// The names in `words` (by the student `author`) the blog must not show.
pub fn find(
    words: &str,
    author: StudentId,
    students: &[Student],
    consents: &HashMap<StudentId, ConsentSet>,
) -> Vec<Mention> {
    let text = Folded::new(words);
    if text.folded.is_empty() {
        return Vec::new();
    }
    let none = ConsentSet::default();
    let mut out: Vec<Mention> = Vec::new();
    let mut note = |s: &Student, found: Option<String>, reason| {
        if let Some(found) = found {
            out.push(Mention {
                student_id: s.id,
                name: s.display_name.clone(),
                found,
                reason,
            });
        }
    };
    for s in students {
        let c = consents.get(&s.id).unwrap_or(&none);
        note(s, text.find(&s.last_name), MentionReason::LastName);
        let first = text.find(&s.first_name);
        if s.id != author && !c.allows(Purpose::Blog) {
            note(s, first, MentionReason::NoBlogConsent);
        } else if !c.allows(Purpose::NameOnBlog) {
            note(s, first, MentionReason::NoNameConsent);
        }
    }
    out.sort_by_key(|m| (m.reason, m.student_id));
    out
}

/// Text folded for matching (lower case, accents off), with where each folded character
/// came from, so a match can be shown as it was written.
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

    /// The first whole-word occurrence of `name`, as written; names under two letters
    /// are never looked for.
    fn find(&self, name: &str) -> Option<String> {
        let needle: Vec<char> = name.trim().chars().flat_map(fold).collect();
        if needle.iter().filter(|c| c.is_alphanumeric()).count() < 2 {
            return None;
        }
        let n = needle.len();
        let hay = &self.folded;
        (0..hay.len().saturating_sub(n - 1)).find_map(|i| {
            let whole = hay[i..i + n] == needle[..]
                && (i == 0 || !hay[i - 1].is_alphanumeric())
                && hay.get(i + n).is_none_or(|c| !c.is_alphanumeric());
            whole.then(|| {
                let start = self.at[i];
                let end = self.at.get(i + n).copied().unwrap_or(self.original.len());
                self.original[start..end].trim_end().to_string()
            })
        })
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
}
