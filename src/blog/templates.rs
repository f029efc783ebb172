//! The blog's templates: built in, and overridable one by one from `<data folder>/theme/`.
//!
//! Templates are minijinja with auto-escaping on for `.html` and `.xml`, so every piece of
//! text from the database is escaped wherever a template prints it; a template can only
//! print raw markup by asking for it (`|safe`), which the built-in ones never do.
//! A theme file with the same name as a built-in template replaces it; other `.html` files
//! in the theme folder are added (for a theme's own partials); `style.css` replaces the
//! built-in style sheet.

use std::path::{Path, PathBuf};

use minijinja::{Environment, UndefinedBehavior, Value};

use crate::error::{Error, Result};

/// The built-in templates, by the name a theme file overrides them with.
pub const BUILT_IN: &[(&str, &str)] = &[
    ("base.html", include_str!("templates/base.html")),
    ("macros.html", include_str!("templates/macros.html")),
    ("home.html", include_str!("templates/home.html")),
    ("list.html", include_str!("templates/list.html")),
    ("post.html", include_str!("templates/post.html")),
    ("archive.html", include_str!("templates/archive.html")),
    ("about.html", include_str!("templates/about.html")),
    ("feed.xml", include_str!("templates/feed.xml")),
    ("feed_entry.html", include_str!("templates/feed_entry.html")),
];

/// The built-in style sheet.
pub const STYLE_CSS: &str = include_str!("templates/style.css");

/// The templates of one build and where each came from (for error messages).
pub struct Theme {
    pub env: Environment<'static>,
    pub style_css: String,
    /// Theme files in use, for the build report.
    pub overrides: Vec<PathBuf>,
    /// The digest of every template's name and text and of the style sheet: pages are
    /// rendered again when it changes.
    pub digest: [u8; 32],
}

/// The theme folder of a data folder.
pub fn theme_dir(data_dir: &Path) -> PathBuf {
    crate::DataDir::new(data_dir).theme()
}

/// The folder inside the theme folder that holds reference copies of the built-in
/// templates. Builds never read it: only files directly in the theme folder count.
pub const REFERENCE_DIR: &str = "built-in";

const REFERENCE_README: &str = "\
These are copies of Goalpost's built-in blog templates and style sheet, for reference.
Goalpost never reads this folder, and writes it afresh each time it is asked to.

To change the blog's look, copy a file from here up one folder (into the theme folder)
and edit that copy: a template there with the same name replaces the built-in one, and
style.css there replaces the built-in style sheet. Delete your copy to go back.
Templates are minijinja (Jinja2 syntax); text from the class is escaped automatically.
";

/// Writes the built-in templates, the style sheet and a README into
/// `<theme_dir>/built-in/`, replacing earlier reference copies. Returns that folder.
pub fn write_reference(theme_dir: &Path) -> Result<PathBuf> {
    let dir = theme_dir.join(REFERENCE_DIR);
    std::fs::create_dir_all(&dir).map_err(|e| Error::io("create the folder", &dir, e))?;
    let files = BUILT_IN
        .iter()
        .copied()
        .chain([("style.css", STYLE_CSS), ("README.txt", REFERENCE_README)]);
    for (name, text) in files {
        crate::fsutil::write_atomic(&dir.join(name), text.as_bytes())?;
    }
    Ok(dir)
}

impl Theme {
    pub fn load(theme_dir: &Path) -> Result<Theme> {
        let mut env = Environment::new();
        let syntax = minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()
            .map_err(|e| template_error("(syntax)", None, &e))?;
        env.set_syntax(syntax);
        env.set_formatter(format_value);
        // A misspelt variable in a theme is an error with its name, not a silent blank.
        env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
        let mut overrides = Vec::new();
        let mut sources: Vec<(String, String, Option<PathBuf>)> = BUILT_IN
            .iter()
            .map(|(n, s)| (n.to_string(), s.to_string(), None))
            .collect();
        let mut style_css = STYLE_CSS.to_string();
        if let Ok(entries) = std::fs::read_dir(theme_dir) {
            let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
            paths.sort();
            for path in paths {
                let Some(name) = path.file_name().and_then(|n| n.to_str()).map(String::from) else {
                    continue;
                };
                let wanted = name == "style.css"
                    || name.ends_with(".html")
                    || BUILT_IN.iter().any(|(n, _)| *n == name);
                if !wanted || !path.is_file() {
                    continue;
                }
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| Error::io("read the theme file", &path, e))?;
                if name == "style.css" {
                    style_css = text;
                } else if let Some(slot) = sources.iter_mut().find(|(n, _, _)| *n == name) {
                    slot.1 = text;
                    slot.2 = Some(path.clone());
                } else {
                    sources.push((name, text, Some(path.clone())));
                }
                overrides.push(path);
            }
        }
        let mut digest = super::memo::KeyBuilder::new(&[0; 32]).part(style_css.as_bytes());
        for (name, text, _) in &sources {
            digest = digest.part(name.as_bytes()).part(text.as_bytes());
        }
        for (name, text, origin) in sources {
            env.add_template_owned(name.clone(), text)
                .map_err(|e| template_error(&name, origin.as_deref(), &e))?;
        }
        Ok(Theme {
            env,
            style_css,
            overrides,
            digest: digest.finish(),
        })
    }

    /// Renders the template `name` with `ctx`.
    pub fn render(&self, name: &str, ctx: minijinja::Value) -> Result<String> {
        let fail = |e: minijinja::Error| {
            // The error may lie in a template this one extends or imports.
            let at = e.name().unwrap_or(name).to_string();
            template_error(&at, self.origin(&at).as_deref(), &e)
        };
        self.env
            .get_template(name)
            .map_err(fail)?
            .render(ctx)
            .map_err(fail)
    }

    fn origin(&self, name: &str) -> Option<PathBuf> {
        self.overrides
            .iter()
            .find(|p| p.file_name().and_then(|n| n.to_str()) == Some(name))
            .cloned()
    }
}

/// Prints a value into a template: text is escaped for HTML and XML (the five characters
/// that matter, `& < > " '`), unless a template marked it safe. minijinja's own HTML
/// escaping also escapes `/`, which is harmless in HTML but turns every URL into
/// `..&#x2f;posts&#x2f;e1.html`, unreadable in the source and mangled by feed readers
/// that resolve links before they unescape.
fn format_value(
    out: &mut minijinja::Output,
    state: &mut minijinja::State,
    value: &Value,
) -> std::result::Result<(), minijinja::Error> {
    match value.as_str() {
        Some(text)
            if matches!(state.auto_escape(), minijinja::AutoEscape::Html) && !value.is_safe() =>
        {
            out.write_str(&escape(text)).map_err(|e| {
                minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string())
            })
        }
        _ => minijinja::escape_formatter(out, state, value),
    }
}

/// Escapes text for HTML element content, quoted attribute values and XML.
pub fn escape(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains(['&', '<', '>', '"', '\'']) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

fn template_error(name: &str, origin: Option<&Path>, e: &minijinja::Error) -> Error {
    let mut detail = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        detail.push_str(": ");
        detail.push_str(&s.to_string());
        src = s.source();
    }
    match origin {
        Some(p) => Error::invalid(format!(
            "the blog template {} does not work ({detail}): fix it, or delete it to use the built-in {name}",
            p.display()
        )),
        None => Error::invalid(format!(
            "the built-in blog template {name} does not work ({detail}): this is a bug in Goalpost, please report it"
        )),
    }
}

use std::error::Error as _;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_marked_markup_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let theme = Theme::load(dir.path()).unwrap();
        let mut env = theme.env;
        env.add_template(
            "t.html",
            "<a href=\"{{ u }}\" title=\"{{ x }}\">{{ x }}</a>{{ m|safe }}",
        )
        .unwrap();
        let out = env
            .get_template("t.html")
            .unwrap()
            .render(minijinja::context! { u => "../posts/e1.html", x => "<b>\"A&B's\"</b>", m => "<i>ok</i>" })
            .unwrap();
        assert_eq!(
            out,
            "<a href=\"../posts/e1.html\" title=\"&lt;b&gt;&quot;A&amp;B&#39;s&quot;&lt;/b&gt;\">&lt;b&gt;&quot;A&amp;B&#39;s&quot;&lt;/b&gt;</a><i>ok</i>"
        );
    }
}
