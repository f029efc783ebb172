//! Words in the reader's language, from Fluent catalogs.
//!
//! Catalogs are embedded per language and domain (`i18n/<lang>/<domain>.ftl`: `blog`,
//! `mail`, ...). A teacher can add a language or correct a word by dropping a file at
//! `<data folder>/i18n/<lang>/<domain>.ftl`: its messages win over the embedded ones.
//! A language without a catalog falls back to the class language, then English, and the
//! caller is told (`Localizer::fell_back`) so the teacher can be.

use std::collections::HashMap;
use std::path::Path;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use sha2::{Digest, Sha256};
use unic_langid::LanguageIdentifier;

use crate::error::{Error, Result};

/// Embedded catalogs: (language, domain, source).
const EMBEDDED: &[(&str, &str, &str)] = &[
    ("en", "common", include_str!("../i18n/en/common.ftl")),
    ("es", "common", include_str!("../i18n/es/common.ftl")),
    ("ar", "common", include_str!("../i18n/ar/common.ftl")),
    ("en", "mail", include_str!("../i18n/en/mail.ftl")),
    ("es", "mail", include_str!("../i18n/es/mail.ftl")),
    ("ar", "mail", include_str!("../i18n/ar/mail.ftl")),
    ("en", "blog", include_str!("../i18n/en/blog.ftl")),
    ("es", "blog", include_str!("../i18n/es/blog.ftl")),
    ("ar", "blog", include_str!("../i18n/ar/blog.ftl")),
    ("en", "portfolio", include_str!("../i18n/en/portfolio.ftl")),
    ("es", "portfolio", include_str!("../i18n/es/portfolio.ftl")),
    ("ar", "portfolio", include_str!("../i18n/ar/portfolio.ftl")),
];

/// Languages written right to left (by primary language subtag).
const RTL: &[&str] = &["ar", "he", "fa", "ur", "ps", "sd", "ug", "yi", "dv", "ckb"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Ltr,
    Rtl,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Ltr => "ltr",
            Direction::Rtl => "rtl",
        }
    }
}

/// Messages in one language, with English behind them for any message a catalog lacks.
pub struct Localizer {
    /// The tag of the language actually used, e.g. `es`.
    pub lang: String,
    /// The tag that was asked for.
    pub wanted: String,
    /// True when the wanted language had no catalog and another was used.
    pub fell_back: bool,
    pub dir: Direction,
    bundles: Vec<FluentBundle<FluentResource>>,
    ids: Vec<String>,
    /// The SHA-256 of every catalog text in the chain, in order: whatever any message
    /// says, in any variant, changes it (the blog renders its pages again when it does).
    pub digest: [u8; 32],
}

impl std::fmt::Debug for Localizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Localizer")
            .field("lang", &self.lang)
            .field("wanted", &self.wanted)
            .field("fell_back", &self.fell_back)
            .finish()
    }
}

/// Which languages have a catalog for `domain` (embedded or dropped in by the teacher).
pub fn available(data_dir: Option<&Path>, domain: &str) -> Vec<String> {
    let mut out: Vec<String> = EMBEDDED
        .iter()
        .filter(|(_, d, _)| *d == domain)
        .map(|(l, _, _)| l.to_string())
        .collect();
    if let Some(dir) = data_dir {
        if let Ok(entries) = std::fs::read_dir(crate::DataDir::new(dir).i18n()) {
            for e in entries.flatten() {
                let lang = e.file_name().to_string_lossy().into_owned();
                if e.path().join(format!("{domain}.ftl")).is_file() && !out.contains(&lang) {
                    out.push(lang);
                }
            }
        }
    }
    out.sort();
    out
}

/// The best catalog language for `wanted`: itself, then its primary language.
fn negotiate(wanted: &str, available: &[String]) -> Option<String> {
    let lower = wanted.to_lowercase();
    if let Some(a) = available.iter().find(|a| a.to_lowercase() == lower) {
        return Some(a.clone());
    }
    let primary = lower.split('-').next().unwrap_or("");
    available
        .iter()
        .find(|a| a.to_lowercase() == primary)
        .cloned()
}

impl Localizer {
    /// Loads the catalogs of `domain` for `wanted`, falling back to `class_lang`, then English.
    pub fn new(
        data_dir: Option<&Path>,
        domain: &str,
        wanted: &str,
        class_lang: &str,
    ) -> Result<Self> {
        let avail = available(data_dir, domain);
        let (lang, fell_back) = match negotiate(wanted, &avail) {
            Some(l) => (l, false),
            None => (
                negotiate(class_lang, &avail).unwrap_or_else(|| "en".to_string()),
                true,
            ),
        };
        let mut chain = vec![lang.clone()];
        if lang != "en" {
            chain.push("en".to_string());
        }
        let dir = direction(&lang);
        let mut ids = Vec::new();
        let mut digest = Sha256::new();
        let bundles = chain
            .iter()
            .map(|l| bundle(data_dir, domain, l, dir, &mut ids, &mut digest))
            .collect::<Result<Vec<_>>>()?;
        ids.sort();
        ids.dedup();
        Ok(Localizer {
            lang,
            wanted: wanted.to_string(),
            fell_back,
            dir,
            bundles,
            ids,
            digest: digest.finalize().into(),
        })
    }

    /// The message `id` with `args`; English if this language lacks it; the id itself if no
    /// catalog has it (a test checks every catalog against English so this never ships).
    pub fn t(&self, id: &str, args: &[(&str, FluentValue<'_>)]) -> String {
        let fargs = (!args.is_empty()).then(|| {
            let mut a = FluentArgs::new();
            for (k, v) in args {
                a.set(*k, v.clone());
            }
            a
        });
        for b in &self.bundles {
            if let Some(pattern) = b.get_message(id).and_then(|m| m.value()) {
                let mut errors = Vec::new();
                return b
                    .format_pattern(pattern, fargs.as_ref(), &mut errors)
                    .into_owned();
            }
        }
        id.to_string()
    }

    /// A message without arguments.
    pub fn s(&self, id: &str) -> String {
        self.t(id, &[])
    }

    /// Every message id any catalog in the chain defines, with its text in this language
    /// (for templates, which look words up by id).
    pub fn all_messages(&self) -> HashMap<String, String> {
        self.ids.iter().map(|id| (id.clone(), self.s(id))).collect()
    }
}

pub fn direction(lang: &str) -> Direction {
    let primary = lang.split('-').next().unwrap_or("").to_lowercase();
    if RTL.contains(&primary.as_str()) {
        Direction::Rtl
    } else {
        Direction::Ltr
    }
}

fn parse(source: String, origin: &str) -> Result<FluentResource> {
    FluentResource::try_new(source).map_err(|(_, errors)| {
        Error::invalid(format!(
            "the catalog {origin} has {} syntax error(s), first: {:?}: fix the file or remove it",
            errors.len(),
            errors.first()
        ))
    })
}

fn bundle(
    data_dir: Option<&Path>,
    domain: &str,
    lang: &str,
    dir: Direction,
    ids: &mut Vec<String>,
    digest: &mut Sha256,
) -> Result<FluentBundle<FluentResource>> {
    let id: LanguageIdentifier = lang.parse().unwrap_or_default();
    let mut b = FluentBundle::new_concurrent(vec![id]);
    b.set_use_isolating(dir == Direction::Rtl);
    let mut sources = Vec::new();
    if let Some((_, _, src)) = EMBEDDED.iter().find(|(l, d, _)| *l == lang && *d == domain) {
        sources.push((src.to_string(), format!("{lang}/{domain}.ftl (built in)")));
    }
    if let Some(dir) = data_dir {
        let path = crate::DataDir::new(dir)
            .i18n()
            .join(lang)
            .join(format!("{domain}.ftl"));
        if path.is_file() {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| Error::io("read the catalog", &path, e))?;
            sources.push((text, path.display().to_string()));
        }
    }
    for (src, origin) in sources {
        digest.update((src.len() as u64).to_le_bytes());
        digest.update(src.as_bytes());
        let res = parse(src, &origin)?;
        ids.extend(res.entries().filter_map(|e| match e {
            fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_string()),
            _ => None,
        }));
        // The teacher's file comes last and overrides built-in messages.
        b.add_resource_overriding(res);
    }
    Ok(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every embedded catalog parses and defines every message English defines.
    #[test]
    fn catalogs_are_complete() {
        for (lang, domain, src) in EMBEDDED {
            let res = parse(src.to_string(), lang).unwrap();
            let ids: Vec<String> = res
                .entries()
                .filter_map(|e| match e {
                    fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_string()),
                    _ => None,
                })
                .collect();
            let (_, _, en) = EMBEDDED
                .iter()
                .find(|(l, d, _)| *l == "en" && d == domain)
                .unwrap();
            let en = parse(en.to_string(), "en").unwrap();
            for e in en.entries() {
                if let fluent_syntax::ast::Entry::Message(m) = e {
                    assert!(
                        ids.iter().any(|i| i == m.id.name),
                        "{lang}/{domain}.ftl lacks {}",
                        m.id.name
                    );
                }
            }
        }
    }

    #[test]
    fn falls_back_and_says_so() {
        let l = Localizer::new(None, "common", "es-419", "en").unwrap();
        assert_eq!((l.lang.as_str(), l.fell_back), ("es", false));
        assert_eq!(l.s("a-student"), "Un estudiante");
        let l = Localizer::new(None, "common", "mi", "es").unwrap();
        assert_eq!((l.lang.as_str(), l.fell_back), ("es", true));
        let l = Localizer::new(None, "common", "ar", "en").unwrap();
        assert_eq!(l.dir, Direction::Rtl);
    }

    #[test]
    fn a_teachers_catalog_overrides_and_adds_languages() {
        let dir = tempfile::tempdir().unwrap();
        let mi = dir.path().join("i18n").join("mi");
        std::fs::create_dir_all(&mi).unwrap();
        std::fs::write(mi.join("common.ftl"), "a-student = He ākonga\n").unwrap();
        let l = Localizer::new(Some(dir.path()), "common", "mi", "en").unwrap();
        assert!(!l.fell_back);
        assert_eq!(l.s("a-student"), "He ākonga");
        // Messages the teacher's file lacks come from English.
        assert_eq!(l.s("next-goal"), "Next goal");
        assert!(l.all_messages().contains_key("goal-achieved"));
    }
}
