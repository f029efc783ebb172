//! The UI's word catalogs (ui/lang/*.json) agree with each other: the same keys, the same
//! plural shapes and the same placeholders in every language, and every key the scripts
//! name literally exists. A key added to one language only fails here, before a teacher
//! sees a raw key or an English word in a Spanish screen.
//!
//! The catalogs are JSON, read here by serde_json (the window reads the same files with
//! `fetch(...).json()`): `{ "key": "text", "key": { "one": "…", "other": "…" }, … }`. A key
//! written twice, a value that is neither words nor plural forms, or a plural form that is
//! not a CLDR category fails this test.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};

/// A catalog value: plain words, or plural forms by CLDR category.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Text(String),
    Plural(BTreeMap<String, String>),
}

const CATEGORIES: [&str; 6] = ["zero", "one", "two", "few", "many", "other"];

fn ui() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui")
}

/// The entries of a JSON object, refusing a key written twice (a plain map would keep the
/// last one without a word, and a translator's first version would vanish).
fn strict_map<'de, V, A, F>(mut map: A, mut check: F) -> Result<BTreeMap<String, V>, A::Error>
where
    V: Deserialize<'de>,
    A: MapAccess<'de>,
    F: FnMut(&str) -> Result<(), String>,
{
    let mut out = BTreeMap::new();
    while let Some(key) = map.next_key::<String>()? {
        check(&key).map_err(de::Error::custom)?;
        let value = map.next_value()?;
        if out.insert(key.clone(), value).is_some() {
            return Err(de::Error::custom(format!("{key:?} twice")));
        }
    }
    Ok(out)
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Value;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("words (a string) or plural forms ({\"one\": …, \"other\": …})")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Value, E> {
                Ok(Value::Text(s.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Value, A::Error> {
                strict_map(map, |category| {
                    if CATEGORIES.contains(&category) {
                        Ok(())
                    } else {
                        Err(format!("{category:?} is not a plural category"))
                    }
                })
                .map(Value::Plural)
            }
        }
        d.deserialize_any(V)
    }
}

/// A whole catalog: one JSON object of keys.
struct Catalog(BTreeMap<String, Value>);

impl<'de> Deserialize<'de> for Catalog {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Catalog, D::Error> {
        struct C;
        impl<'de> Visitor<'de> for C {
            type Value = Catalog;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("one JSON object of keys")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Catalog, A::Error> {
                strict_map(map, |_| Ok(())).map(Catalog)
            }
        }
        d.deserialize_map(C)
    }
}

fn parse_text(text: &str) -> Result<BTreeMap<String, Value>, String> {
    serde_json::from_str::<Catalog>(text)
        .map(|c| c.0)
        .map_err(|e| e.to_string())
}

fn parse(file: &Path) -> Result<BTreeMap<String, Value>, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    parse_text(&text).map_err(|e| format!("{}: {e}", file.display()))
}

/// The {name} placeholders of a text.
fn placeholders(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        rest = &rest[open + 1..];
        if let Some(close) = rest.find('}') {
            let name = &rest[..close];
            if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                out.insert(name.to_string());
            }
        }
    }
    out
}

/// The placeholders a value fills: the union over its plural forms.
fn value_placeholders(v: &Value) -> BTreeSet<String> {
    match v {
        Value::Text(s) => placeholders(s),
        Value::Plural(forms) => forms.values().flat_map(|s| placeholders(s)).collect(),
    }
}

fn shape(v: &Value) -> String {
    match v {
        Value::Text(_) => "text".into(),
        Value::Plural(forms) => {
            format!(
                "plural {{{}}}",
                forms.keys().cloned().collect::<Vec<_>>().join(", ")
            )
        }
    }
}

/// Every difference between two catalogs, in words.
fn differences(
    a_name: &str,
    a: &BTreeMap<String, Value>,
    b_name: &str,
    b: &BTreeMap<String, Value>,
) -> Vec<String> {
    let mut out = Vec::new();
    for k in a.keys().filter(|k| !b.contains_key(*k)) {
        out.push(format!("{k} is in {a_name} but missing in {b_name}"));
    }
    for k in b.keys().filter(|k| !a.contains_key(*k)) {
        out.push(format!("{k} is in {b_name} but missing in {a_name}"));
    }
    for (k, va) in a {
        let Some(vb) = b.get(k) else { continue };
        if shape(va) != shape(vb) {
            out.push(format!(
                "{k}: {a_name} has {}, {b_name} has {}",
                shape(va),
                shape(vb)
            ));
        }
        let (pa, pb) = (value_placeholders(va), value_placeholders(vb));
        if pa != pb {
            out.push(format!(
                "{k}: placeholders {a_name} {pa:?}, {b_name} {pb:?}"
            ));
        }
    }
    out
}

/// Problems of one catalog on its own: a plural needs `other` (the fallback of every
/// language) and `one`, and its count must be `{n}`.
fn own_problems(name: &str, c: &BTreeMap<String, Value>) -> Vec<String> {
    let mut out = Vec::new();
    for (k, v) in c {
        if let Value::Plural(forms) = v {
            for needed in ["one", "other"] {
                if !forms.contains_key(needed) {
                    out.push(format!("{name} {k}: a plural needs a {needed:?} form"));
                }
            }
            if !forms.get("other").is_some_and(|s| s.contains("{n}")) {
                out.push(format!(
                    "{name} {k}: the \"other\" form must show the count {{n}}"
                ));
            }
        }
    }
    out
}

fn catalogs() -> Vec<(String, BTreeMap<String, Value>)> {
    let dir = ui().join("lang");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            (name, parse(&p).unwrap_or_else(|e| panic!("{e}")))
        })
        .collect()
}

#[test]
fn every_language_has_the_same_keys_plural_shapes_and_placeholders() {
    let all = catalogs();
    let (en_name, en) = all
        .iter()
        .find(|(n, _)| n == "en")
        .expect("the English catalog");
    assert!(
        all.len() >= 2,
        "English and Spanish at least: {}",
        all.len()
    );
    let mut problems = Vec::new();
    for (name, c) in &all {
        problems.extend(own_problems(name, c));
        if name != en_name {
            problems.extend(differences(en_name, en, name, c));
        }
    }
    assert!(
        problems.is_empty(),
        "the catalogs disagree:\n  {}",
        problems.join("\n  ")
    );
}

/// Every `t('key')`, `data-i18n="key"` and similar literal key in ui/ exists in English
/// (and every group named as `t('group.' + x)` has keys).
#[test]
fn every_key_the_ui_names_exists() {
    let all = catalogs();
    let en = &all.iter().find(|(n, _)| n == "en").unwrap().1;
    let mut files = Vec::new();
    let mut dirs = vec![ui()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                if !p.ends_with("lang") {
                    dirs.push(p);
                }
            } else if p.extension().is_some_and(|e| e == "js" || e == "html") {
                files.push(p);
            }
        }
    }
    let mut missing = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for key in literal_keys(&text) {
            // `t('channel.' + c.channel)` names a group: some key must be in it.
            let found = if key.ends_with('.') {
                en.keys().any(|k| k.starts_with(&key))
            } else {
                en.contains_key(&key)
            };
            if !found {
                let name = f.strip_prefix(ui()).unwrap_or(f);
                missing.push(format!("ui/{}: {key}", name.display()));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "keys named in ui/ but missing from en.json:\n  {}",
        missing.join("\n  ")
    );
}

/// Every code core sends for the window to put in words (`review.mention.${reason}`,
/// `reason.failure.${code}`, `reason.unreachable.${code}`, `error.kind.${kind}`) has words
/// in English, so no screen shows a raw key. Each list is checked against its enum by an
/// exhaustive `match`: a new variant does not compile until it is listed here.
#[test]
fn every_code_core_sends_has_words() {
    use goalpost::mail::{FailureCode, UnreachableCode};
    use goalpost::mentions::MentionReason;
    use goalpost::ErrorKind;

    fn words<T: serde::Serialize>(prefix: &str, all: &[T]) -> Vec<String> {
        all.iter()
            .map(|v| {
                let code = serde_json::to_value(v).unwrap();
                format!("{prefix}.{}", code.as_str().unwrap())
            })
            .collect()
    }
    let mentions = [
        MentionReason::LastName,
        MentionReason::NoBlogConsent,
        MentionReason::NoNameConsent,
        MentionReason::Pseudonym,
    ];
    match mentions[0] {
        MentionReason::LastName
        | MentionReason::NoBlogConsent
        | MentionReason::NoNameConsent
        | MentionReason::Pseudonym => {}
    }
    let failures = [
        FailureCode::AddressRefused,
        FailureCode::Refused,
        FailureCode::GaveUp,
        FailureCode::OutcomeUnknown,
        FailureCode::MessageProblem,
    ];
    match failures[0] {
        FailureCode::AddressRefused
        | FailureCode::Refused
        | FailureCode::GaveUp
        | FailureCode::OutcomeUnknown
        | FailureCode::MessageProblem => {}
    }
    let unreachable = [UnreachableCode::NoEmail, UnreachableCode::AddressRefused];
    match unreachable[0] {
        UnreachableCode::NoEmail | UnreachableCode::AddressRefused => {}
    }
    let kinds = [
        ErrorKind::Invalid,
        ErrorKind::NotFound,
        ErrorKind::Ambiguous,
        ErrorKind::Conflict,
        ErrorKind::DataFolder,
        ErrorKind::Busy,
        ErrorKind::Photo,
        ErrorKind::Mail,
        ErrorKind::Io,
        ErrorKind::Database,
        ErrorKind::Forbidden,
    ];
    match kinds[0] {
        ErrorKind::Invalid
        | ErrorKind::NotFound
        | ErrorKind::Ambiguous
        | ErrorKind::Conflict
        | ErrorKind::DataFolder
        | ErrorKind::Busy
        | ErrorKind::Photo
        | ErrorKind::Mail
        | ErrorKind::Io
        | ErrorKind::Database
        | ErrorKind::Forbidden => {}
    }
    // Issue 16, part 7: every way the Families strip marks a week.
    use goalpost::families::ReachKind;
    let reach_kinds = [
        ReachKind::Email,
        ReachKind::Paper,
        ReachKind::Chat,
        ReachKind::ByHand,
    ];
    match reach_kinds[0] {
        ReachKind::Email | ReachKind::Paper | ReachKind::Chat | ReachKind::ByHand => {}
    }
    let all = catalogs();
    let en = &all.iter().find(|(n, _)| n == "en").unwrap().1;
    let missing: Vec<String> = [
        words("families.kind", &reach_kinds),
        vec!["families.kind.nothing".to_string()],
        words("review.mention", &mentions),
        words("reason.failure", &failures),
        words("reason.unreachable", &unreachable),
        words("error.kind", &kinds),
        // Every channel a contact can be on, every way the contact log says a family was
        // reached (the chat channel added both).
        goalpost::model::Channel::ALL
            .iter()
            .map(|c| format!("channel.{}", c.as_str()))
            .collect(),
        goalpost::store::contact_log::METHODS
            .iter()
            .map(|m| format!("families.method.{m}"))
            .collect(),
        goalpost::store::outbox::Kind::ALL
            .iter()
            .map(|k| format!("sync.kind.{}", k.as_str()))
            .collect(),
    ]
    .concat()
    .into_iter()
    .filter(|k| !en.contains_key(k))
    .collect();
    assert!(
        missing.is_empty(),
        "codes core sends without words in en.json:\n  {}",
        missing.join("\n  ")
    );
}

/// The keys named literally: `t('a.b'`, `t("a.b"`, and the `data-i18n*="a.b"` attributes.
fn literal_keys(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for opener in [
        "t('",
        "t(\"",
        "data-i18n=\"",
        "-i18n-label=\"",
        "-i18n-placeholder=\"",
        "-i18n-title=\"",
        "data-starter=\"",
    ] {
        let mut rest = text;
        while let Some(i) = rest.find(opener) {
            // `t(` must be the function, not the end of another name (`split(`).
            let before = rest[..i].chars().last();
            rest = &rest[i + opener.len()..];
            if opener.starts_with("t(")
                && before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.')
            {
                continue;
            }
            let quote = opener.chars().last().unwrap();
            let Some(end) = rest.find(quote) else { break };
            let key = &rest[..end];
            if key.contains('.')
                && key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._".contains(c))
            {
                out.push(key.to_string());
            }
        }
    }
    out
}

#[test]
fn the_checks_catch_a_missing_key_a_plural_mismatch_and_a_lost_placeholder() {
    let en = parse_text(
        r#"{
  "a.one": "A",
  "a.count": { "one": "{n} thing", "other": "{n} things" },
  "a.name": "Hi {name}"
}"#,
    )
    .unwrap();
    let es = parse_text(r#"{ "a.count": "{n} cosas", "a.name": "Hola", "a.extra": "x" }"#).unwrap();
    let found = differences("en", &en, "es", &es).join("\n");
    assert!(
        found.contains("a.one is in en but missing in es"),
        "{found}"
    );
    assert!(
        found.contains("a.extra is in es but missing in en"),
        "{found}"
    );
    assert!(
        found.contains("a.count: en has plural {one, other}, es has text"),
        "{found}"
    );
    assert!(found.contains("a.name: placeholders"), "{found}");
    let own = own_problems("en", &{
        let mut m = BTreeMap::new();
        m.insert(
            "x".to_string(),
            Value::Plural([("other".to_string(), "things".to_string())].into()),
        );
        m
    })
    .join("\n");
    assert!(own.contains("needs a \"one\" form"), "{own}");
    assert!(own.contains("must show the count"), "{own}");
    assert_eq!(
        literal_keys("t('a.b', x); split('.'); data-i18n=\"c.d\""),
        ["a.b", "c.d"]
    );
}

/// What a real parser adds over reading the files by eye: a key written twice, a value of
/// the wrong shape and a made-up plural category are refused, with where they are.
#[test]
fn a_catalog_with_a_twice_written_key_or_a_wrong_shape_is_refused() {
    let twice = parse_text("{\n  \"a.b\": \"A\",\n  \"a.b\": \"B\"\n}").unwrap_err();
    assert!(
        twice.contains("\"a.b\" twice") && twice.contains("line "),
        "{twice}"
    );
    let number = parse_text(r#"{ "a.b": 3 }"#).unwrap_err();
    assert!(
        number.contains("words (a string) or plural forms"),
        "{number}"
    );
    let category = parse_text(r#"{ "a.b": { "one": "x", "several": "{n} x" } }"#).unwrap_err();
    assert!(
        category.contains("\"several\" is not a plural category"),
        "{category}"
    );
    let form_twice =
        parse_text(r#"{ "a.b": { "one": "x", "one": "y", "other": "{n}" } }"#).unwrap_err();
    assert!(form_twice.contains("\"one\" twice"), "{form_twice}");
    assert!(parse_text("[]").is_err(), "a catalog is an object");
}
