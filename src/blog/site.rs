//! One build of the blog: [`Site::new`] gathers what it needs, [`Site::render`] makes every
//! file in memory, one `render_*` step per kind of page, and [`Site::build`] puts them in
//! place through [`super::output`].
//!
//! Page numbering is chosen so that old pages stay stable: numbered pages (`page/1.html`
//! holds the 20 oldest achievements, `page/2.html` the next 20, ...) never change once
//! full, and the home page holds the newest ones (20 to 39 of them). One new achievement
//! therefore rewrites the home page, its own page, its student's, subject's and month's
//! pages, the feed and the page of the achievement before it (for its "newer" link), and
//! nothing else; a new numbered page appears once every 20 achievements.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use minijinja::{context, Value};
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use super::memo::{self, Key, KeyBuilder, Memo};
use super::output::{self, OutFile, Source};
use super::templates::{theme_dir, Theme};
use super::view::{self, clean, Labels, LinkView, PostHead, Words};
use super::BuildReport;
use crate::config::Settings;
use crate::error::{Error, Result};
use crate::fsutil;
use crate::photo::{self, Copies};
use crate::plan::{BlogPlan, Plan, PublicPost};
use crate::DataDir;

/// Achievements per numbered page (the home page holds 20 to 39).
pub const PAGE_SIZE: usize = 20;
/// Entries in the Atom feed, newest first.
pub const FEED_ENTRIES: usize = 30;

/// Everything one build needs, gathered before anything is rendered.
pub struct Site<'p> {
    dir: PathBuf,
    copies_dir: PathBuf,
    plan: &'p BlogPlan,
    site_url: Option<String>,
    theme: Theme,
    words: Words,
    /// Copies of the photos the plan allows, by photo hash.
    copies: HashMap<String, Copies>,
    warnings: Vec<String>,
    /// What the last build's pages were made from (see [`memo`]).
    memo: Memo,
    memo_path: PathBuf,
    /// How the photo copies are made (JPEG quality and recipe), for the media files' keys.
    copy_recipe: (u8, u32),
    /// The blog's media folder as listed before the build, if it could be.
    media: Option<fsutil::Listing>,
    /// The mark that the web host has not seen the folder yet (`publish.pending`).
    publish_pending: PathBuf,
}

/// What a build reads from its folders before it renders: which folder it builds into,
/// what the last build there was made from, the theme, and the media folder's listing.
/// None of it depends on the plan, so it can be read while the plan is made.
pub struct Folder {
    dir: PathBuf,
    memo_path: PathBuf,
    memo: Memo,
    theme: Result<Theme>,
    media: Option<fsutil::Listing>,
}

impl Folder {
    /// Reads the blog folder `settings` name in the data folder `data`.
    pub fn read(data: DataDir<'_>, settings: &Settings) -> Folder {
        let dir = settings.blog_dir(data);
        let memo_path = memo::memo_path(data.path(), &dir);
        Folder {
            memo: Memo::load(&memo_path, &dir),
            theme: Theme::load(&theme_dir(data.path())),
            media: fsutil::list_files(&dir.join("media")).ok(),
            memo_path,
            dir,
        }
    }
}

/// What every page shares. Each post's full view is made only when a page that shows it
/// is rendered: a rebuild after one new evidence renders a few pages out of a thousand.
struct Shared<'a> {
    posts: &'a [PublicPost],
    /// Each post's links and labels, for every page.
    heads: Vec<PostHead>,
    /// Each post's template value, made when a page that shows it is rendered.
    post_values: Vec<OnceLock<Value>>,
    /// Each post's digest, for the keys of the pages that show it: of the plan's post and
    /// the copies of its photo, from which (with the words, in the salt) its view is made.
    post_digests: Vec<Key>,
    words: &'a Words,
    copies: HashMap<&'a str, &'a Copies>,
    site: Value,
    t: Value,
    /// The digest of what every page depends on: code, templates, words, site values.
    salt: Key,
}

impl Shared<'_> {
    fn post_value(&self, i: usize) -> Value {
        self.post_values[i]
            .get_or_init(|| {
                sv(view::post_view(
                    &self.posts[i],
                    &self.heads[i],
                    self.words,
                    &self.copies,
                ))
            })
            .clone()
    }

    fn post_values(&self, idx: &[usize]) -> Vec<Value> {
        idx.iter().map(|&i| self.post_value(i)).collect()
    }
}

/// The posts a page shows: one (a post's page) or a list.
enum Shows {
    One(usize),
    List(Vec<usize>),
}

impl<'p> Site<'p> {
    /// Gathers what a build of `plan`'s blog needs: the words in the class's language, the
    /// theme, what the last build was made from, and the web copies of the photos the plan
    /// allows, from `copies` (which must be in the copy cache, as
    /// [`Goalpost::ensure_copies`](crate::Goalpost::ensure_copies) and
    /// [`photo::existing_copies`] make sure). Copies of other photos are ignored: the blog
    /// asks for nothing the plan does not allow and publishes nothing else.
    pub fn new(data: DataDir<'_>, plan: &'p Plan, copies: &[Copies]) -> Result<Site<'p>> {
        // The folders are read on another core while the words are loaded.
        let (folder, words) = std::thread::scope(|s| {
            let folder = s.spawn(|| Folder::read(data, &plan.settings));
            let words = Words::new(data.path(), &plan.blog.language);
            (folder.join(), words)
        });
        let folder = folder.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        Self::assemble(data, plan, copies, folder, words?)
    }

    /// [`Site::new`] with the folders already read (on another core while the plan was
    /// made, say).
    pub fn with_folder(
        data: DataDir<'_>,
        plan: &'p Plan,
        copies: &[Copies],
        folder: Folder,
    ) -> Result<Site<'p>> {
        let words = Words::new(data.path(), &plan.blog.language)?;
        Self::assemble(data, plan, copies, folder, words)
    }

    fn assemble(
        data: DataDir<'_>,
        plan: &'p Plan,
        copies: &[Copies],
        folder: Folder,
        words: Words,
    ) -> Result<Site<'p>> {
        let (copies, warnings) = super::allowed_copies(&plan.blog, copies);
        Ok(Site {
            memo: folder.memo,
            memo_path: folder.memo_path,
            copy_recipe: (plan.settings.photo_quality, photo::copies::RECIPE),
            dir: folder.dir,
            site_url: plan.settings.blog_site_url.clone(),
            theme: folder.theme?,
            words,
            copies_dir: data.copies(),
            plan: &plan.blog,
            copies,
            warnings,
            media: folder.media,
            publish_pending: data.publish_pending(),
        })
    }

    /// Renders and writes the site, then reports what changed. Before the first file of the
    /// folder changes, `publish.pending` is made (and flushed to disk) if it is not there:
    /// whichever command changed the folder, and however it ended, the next sync then runs
    /// the publish command (see [`Goalpost::publish_blog`](crate::Goalpost::publish_blog)).
    pub fn build(mut self) -> Result<BuildReport> {
        let files = self.render()?;
        let pending = &self.publish_pending;
        let w = output::write_site_with(&self.dir, &files, &mut || {
            fsutil::mark_durably(pending, "note that the blog must be published in").map(|_| ())
        })?;
        let keyed = files.iter().filter_map(|f| {
            let kept = matches!(f.source, Source::Kept);
            // A copy now linked into the folder is known by its identity from the next
            // build's listings (see `copy_media`): the memo need not hold it.
            if let Source::File(src) = &f.source {
                if fsutil::same_file(&self.dir.join(&f.path), src) {
                    return None;
                }
            }
            Some((f.path.as_str(), f.key.as_ref()?, kept))
        });
        if let Err(e) = self.memo.save(&self.memo_path, &self.dir, keyed) {
            self.warnings.push(format!(
                "the blog is built, but what it was built from could not be recorded ({e}), so the next build renders every page again"
            ));
        }
        Ok(self.report(&files, w))
    }

    /// What [`Site::build`] would change, without writing anything (for a dry run).
    pub fn preview(self) -> Result<BuildReport> {
        let files = self.render()?;
        let w = output::preview_site(&self.dir, &files)?;
        Ok(self.report(&files, w))
    }

    fn report(self, files: &[OutFile], w: output::WriteReport) -> BuildReport {
        let media = files
            .iter()
            .filter(|f| f.path.starts_with("media/"))
            .count();
        let rendered = files
            .iter()
            .filter(|f| matches!(f.source, Source::Bytes(_)))
            .count();
        BuildReport {
            dir: self.dir,
            pages: files.len() - media,
            media,
            rendered,
            new_posts: w.created.iter().filter(|p| super::is_post(p)).count(),
            written: w.written,
            unchanged: w.unchanged,
            removed: w.removed,
            warnings: self.warnings,
        }
    }

    /// Every file of the site, in memory. Nothing is written.
    pub fn render(&self) -> Result<Vec<OutFile>> {
        let shared = self.shared()?;
        let mut files = Vec::new();
        files.extend(self.render_home(&shared)?);
        files.extend(self.render_posts(&shared)?);
        files.extend(self.render_students(&shared)?);
        files.extend(self.render_subjects(&shared)?);
        files.extend(self.render_months(&shared)?);
        files.push(self.render_archive(&shared)?);
        files.push(self.render_about(&shared)?);
        files.push(self.render_feed(&shared)?);
        files.push(self.render_style());
        files.extend(self.copy_media());
        Ok(files)
    }

    fn shared(&self) -> Result<Shared<'_>> {
        let copies: HashMap<&str, &Copies> =
            self.copies.iter().map(|(h, c)| (h.as_str(), c)).collect();
        let labels = Labels::new(&self.words, &self.plan.posts);
        let heads: Vec<PostHead> = self
            .plan
            .posts
            .par_iter()
            .map(|p| view::post_head(p, &self.words, &labels))
            .collect();
        let post_values = heads.iter().map(|_| OnceLock::new()).collect();
        let post_digests = self
            .plan
            .posts
            .par_iter()
            .map(|p| {
                let photo = p.photo_hash.as_deref().and_then(|h| copies.get(h));
                memo::digest_of(&(p, photo.map(|c| &c.copies)))
            })
            .collect();
        let class_name = clean(&self.plan.class_name);
        let school = clean(&self.plan.school);
        let lang = html_lang(&self.plan.language);
        let site = sv(serde_json::json!({
            "title": self.words.t("class-at-school", &[("class", &class_name), ("school", &school)]),
            "class_name": class_name,
            "school": school,
            "teacher": clean(&self.plan.teacher),
            "lang": lang,
            "dir": crate::i18n::direction(&lang).as_str(),
        }));
        let salt = KeyBuilder::new(&[0; 32])
            .part(memo::FORMAT.as_bytes())
            .part(env!("CARGO_PKG_VERSION").as_bytes())
            .part(&self.theme.digest)
            // The words' digest covers every catalog text they come from, and `site` the
            // language: together they decide `words.map`, which needs no hashing of its own.
            .part(&self.words.digest)
            .part(&serde_json::to_vec(&site)?)
            .part(self.site_url.as_deref().unwrap_or("").as_bytes())
            .finish();
        Ok(Shared {
            posts: &self.plan.posts,
            heads,
            post_values,
            post_digests,
            words: &self.words,
            copies,
            site,
            t: sv(&self.words.map),
            salt,
        })
    }

    fn page(&self, path: &str, template: &str, s: &Shared, extra: Value) -> Result<OutFile> {
        let root = "../".repeat(path.matches('/').count());
        let ctx = context! { site => s.site.clone(), t => s.t.clone(), root => root, ..extra };
        let html = self.theme.render(template, ctx)?;
        Ok(OutFile {
            path: path.to_string(),
            source: Source::Bytes(html.into_bytes()),
            key: None,
        })
    }

    /// A page that shows posts, rendered only if what it is made from changed since the
    /// last build (or its file was touched since): its key covers the salt, its path and
    /// template, `extra`, and the digests of the posts it shows.
    fn posts_page(
        &self,
        path: &str,
        template: &str,
        s: &Shared,
        shows: Shows,
        extra: Value,
    ) -> Result<OutFile> {
        let (kind, idx): (&[u8], &[usize]) = match &shows {
            Shows::One(i) => (b"one", std::slice::from_ref(i)),
            Shows::List(v) => (b"list", v),
        };
        let mut k = KeyBuilder::new(&s.salt)
            .part(path.as_bytes())
            .part(template.as_bytes())
            .part(&serde_json::to_vec(&extra)?)
            .part(kind);
        for &i in idx {
            k = k.part(&s.post_digests[i]);
        }
        let key = k.finish();
        if self.memo.is_fresh(path, &key, &self.dir.join(path)) {
            return Ok(OutFile {
                path: path.to_string(),
                source: Source::Kept,
                key: Some(key),
            });
        }
        let posts = match shows {
            Shows::One(i) => context! { post => s.post_value(i) },
            Shows::List(v) => context! { posts => s.post_values(&v) },
        };
        let mut f = self.page(path, template, s, context! { ..posts, ..extra })?;
        f.key = Some(key);
        Ok(f)
    }

    /// The home page (the newest 20 to 39 achievements and the coming sharing times) and
    /// the numbered pages of older ones.
    fn render_home(&self, s: &Shared) -> Result<Vec<OutFile>> {
        let n = s.heads.len();
        let chunks = n.saturating_sub(PAGE_SIZE) / PAGE_SIZE;
        let home_len = n - chunks * PAGE_SIZE;
        let page_url = |k: usize| format!("page/{k}.html");
        let range_label = |r: std::ops::Range<usize>| {
            let newest = &s.heads[r.start];
            let oldest = &s.heads[r.end - 1];
            self.words.t(
                "page-heading",
                &[("from", &oldest.date_label), ("to", &newest.date_label)],
            )
        };
        let sharing: Vec<serde_json::Value> = self.sharing_views()?;
        let mut out = vec![self.posts_page(
            "index.html",
            "home.html",
            s,
            Shows::List((0..home_len).collect()),
            context! {
                section => "home",
                is_home => true,
                sharing => sv(&sharing),
                older => (chunks > 0).then(|| sv(LinkView {
                    url: page_url(chunks),
                    label: range_label(n - chunks * PAGE_SIZE..n - (chunks - 1) * PAGE_SIZE),
                })),
                newer => Value::from(()),
                heading => self.words.s("home-heading"),
            },
        )?];
        let pages: Vec<OutFile> = (1..=chunks)
            .into_par_iter()
            .map(|k| {
                let r = n - k * PAGE_SIZE..n - (k - 1) * PAGE_SIZE;
                let older = (k > 1).then(|| LinkView {
                    url: page_url(k - 1),
                    label: range_label(n - (k - 1) * PAGE_SIZE..n - (k - 2) * PAGE_SIZE),
                });
                let newer = if k == chunks {
                    LinkView {
                        url: "index.html".into(),
                        label: self.words.s("home-heading"),
                    }
                } else {
                    LinkView {
                        url: page_url(k + 1),
                        label: range_label(n - (k + 1) * PAGE_SIZE..n - k * PAGE_SIZE),
                    }
                };
                self.posts_page(
                    &page_url(k),
                    "home.html",
                    s,
                    Shows::List(r.clone().collect()),
                    context! {
                        section => "page",
                        is_home => false,
                        sharing => Value::from(Vec::<Value>::new()),
                        older => older.map(sv),
                        newer => sv(newer),
                        heading => range_label(r),
                    },
                )
            })
            .collect::<Result<_>>()?;
        out.extend(pages);
        Ok(out)
    }

    /// One page per achievement, with links to the one before and after it.
    fn render_posts(&self, s: &Shared) -> Result<Vec<OutFile>> {
        let link = |i: usize| {
            let p = &s.heads[i];
            LinkView {
                url: p.url.clone(),
                label: format!("{}: {}", p.name, p.goal),
            }
        };
        (0..s.heads.len())
            .into_par_iter()
            .map(|i| {
                let p = &s.heads[i];
                self.posts_page(
                    &p.url,
                    "post.html",
                    s,
                    Shows::One(i),
                    context! {
                        section => "post",
                        newer => (i > 0).then(|| sv(link(i - 1))),
                        older => (i + 1 < s.heads.len()).then(|| sv(link(i + 1))),
                    },
                )
            })
            .collect()
    }

    /// Lists of achievements grouped by `key` (student, subject, month), one page each.
    fn render_groups(
        &self,
        s: &Shared,
        section: &str,
        groups: Vec<(String, String, String)>,
        key: impl Fn(&PostHead) -> &str + Sync,
    ) -> Result<Vec<OutFile>> {
        groups
            .into_par_iter()
            .map(|(url, heading, intro)| {
                let shows: Vec<usize> = (0..s.heads.len())
                    .filter(|&i| key(&s.heads[i]) == url)
                    .collect();
                self.posts_page(
                    &url,
                    "list.html",
                    s,
                    Shows::List(shows),
                    context! { section => section, heading => heading, intro => intro },
                )
            })
            .collect()
    }

    /// One page per named student (a student shown under the neutral label has none).
    fn render_students(&self, s: &Shared) -> Result<Vec<OutFile>> {
        let groups = self
            .plan
            .students
            .iter()
            .filter_map(|st| {
                let slug = st.slug.as_ref()?;
                let name = clean(st.display_name.as_deref()?);
                Some((
                    format!("students/{slug}.html"),
                    name.clone(),
                    self.words.t("student-intro", &[("name", &name)]),
                ))
            })
            .collect();
        self.render_groups(s, "student", groups, |p| {
            p.student_url.as_deref().unwrap_or("")
        })
    }

    fn render_subjects(&self, s: &Shared) -> Result<Vec<OutFile>> {
        let groups = self
            .plan
            .subjects
            .iter()
            .map(|sub| {
                let name = view::subject_label(&self.words, &sub.name);
                (
                    format!("subjects/{}.html", sub.slug),
                    name.clone(),
                    self.words.t("subject-intro", &[("subject", &name)]),
                )
            })
            .collect();
        self.render_groups(s, "subject", groups, |p| p.subject_url.as_str())
    }

    fn render_months(&self, s: &Shared) -> Result<Vec<OutFile>> {
        let groups = self
            .months(s)
            .into_iter()
            .map(|m| {
                let intro = self.words.t("month-intro", &[("month", &m.label)]);
                (m.url, m.label, intro)
            })
            .collect();
        self.render_groups(s, "month", groups, |p| p.month_url.as_str())
    }

    /// Months with achievements, newest first.
    fn months(&self, s: &Shared) -> Vec<LinkView> {
        let mut months: Vec<LinkView> = Vec::new();
        for p in &s.heads {
            if !months.iter().any(|m| m.url == p.month_url) {
                months.push(LinkView {
                    url: p.month_url.clone(),
                    label: p.month_label.clone(),
                });
            }
        }
        months.sort_by(|a, b| b.url.cmp(&a.url));
        months
    }

    /// The archive: months, students and subjects. No counts, so that it changes only
    /// when a month, a student or a subject appears or goes.
    fn render_archive(&self, s: &Shared) -> Result<OutFile> {
        let students: Vec<LinkView> = self
            .plan
            .students
            .iter()
            .filter_map(|st| {
                Some(LinkView {
                    url: format!("students/{}.html", st.slug.as_ref()?),
                    label: clean(st.display_name.as_deref()?),
                })
            })
            .collect();
        let subjects: Vec<LinkView> = self
            .plan
            .subjects
            .iter()
            .map(|sub| LinkView {
                url: format!("subjects/{}.html", sub.slug),
                label: view::subject_label(&self.words, &sub.name),
            })
            .collect();
        self.page(
            "archive/index.html",
            "archive.html",
            s,
            context! {
                section => "archive",
                months => sv(self.months(s)),
                students => sv(students),
                subjects => sv(subjects),
            },
        )
    }

    fn render_about(&self, s: &Shared) -> Result<OutFile> {
        let w = &self.words;
        let class = clean(&self.plan.class_name);
        let school = clean(&self.plan.school);
        let teacher = clean(&self.plan.teacher);
        let about = w.t(
            "about-text",
            &[
                ("class", &class),
                ("school", &school),
                ("teacher", &teacher),
            ],
        );
        let follow_email = w.t("follow-email", &[("teacher", &teacher)]);
        self.page(
            "about.html",
            "about.html",
            s,
            context! {
                section => "about",
                about => about,
                follow_email => follow_email,
                feed_url => self.site_url.as_ref().map(|u| format!("{u}feed.xml")),
            },
        )
    }

    /// The Atom feed: the newest achievements, each as escaped HTML. Links are absolute
    /// when `blog.site_url` is set; otherwise relative to the feed.
    fn render_feed(&self, s: &Shared) -> Result<OutFile> {
        let base = self.site_url.clone().unwrap_or_default();
        let site_key = format!(
            "goalpost-blog\n{}\n{}",
            self.plan.school, self.plan.class_name
        );
        let entries: Vec<Value> = self
            .plan
            .posts
            .iter()
            .zip(&s.heads)
            .enumerate()
            .take(FEED_ENTRIES)
            .map(|(i, (plan_post, p))| {
                let content = self.theme.render(
                    "feed_entry.html",
                    context! { t => s.t.clone(), base => base.clone(), post => s.post_value(i) },
                )?;
                let id = match &self.site_url {
                    Some(u) => format!("{u}{}", p.url),
                    None => uuid_urn(&site_key, &p.slug),
                };
                let at = plan_post
                    .approved_at
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
                Ok(context! {
                    id => id,
                    title => format!("{}: {}", p.name, p.goal),
                    url => format!("{base}{}", p.url),
                    updated => at,
                    subject => p.subject.clone(),
                    content => content,
                })
            })
            .collect::<Result<_>>()?;
        // The newest achievement's time, not the build's: the same database, the same feed.
        let updated = self
            .plan
            .posts
            .first()
            .map(|p| {
                p.approved_at
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            })
            .unwrap_or_else(|| "1970-01-01T00:00:00Z".into());
        let xml = self.theme.render(
            "feed.xml",
            context! {
                site => s.site.clone(),
                t => s.t.clone(),
                base => base,
                site_url => self.site_url.clone(),
                feed_id => match &self.site_url {
                    Some(u) => u.clone(),
                    None => uuid_urn(&site_key, "feed"),
                },
                subtitle => self.words.s("feed-subtitle"),
                updated => updated,
                entries => entries,
            },
        )?;
        Ok(OutFile {
            path: "feed.xml".into(),
            source: Source::Bytes(xml.into_bytes()),
            key: None,
        })
    }

    fn render_style(&self) -> OutFile {
        OutFile {
            path: "style.css".into(),
            source: Source::Bytes(self.theme.style_css.clone().into_bytes()),
            key: None,
        }
    }

    /// The web copies of the photos shown, linked or copied from the copy cache. Only
    /// copies are ever published, never an original.
    ///
    /// A copy the last build linked into the folder is still the very file of the copy
    /// cache if both folders list it under the same identity: that is known from one listing
    /// of each folder, without a look at each of thousands of files. Otherwise (a copy
    /// made again, a file replaced by hand, a folder on another disk), a copy's name comes
    /// from its photo's content and its size, so with the same recipe and quality the same
    /// name means the same bytes: one already in the folder and untouched since the last
    /// build (see `memo`) is kept; any other is put in place again if it differs.
    fn copy_media(&self) -> Vec<OutFile> {
        let mut infos: Vec<(&str, &photo::CopyInfo)> = Vec::new();
        for p in &self.plan.posts {
            if let Some(c) = p.photo_hash.as_ref().and_then(|h| self.copies.get(h)) {
                infos.extend(c.copies.iter().map(|i| (i.file_name.as_str(), i)));
            }
        }
        // A photo shown by two posts is published once.
        infos.sort_unstable_by_key(|(n, _)| *n);
        infos.dedup_by_key(|(n, _)| *n);
        let media_dir = self.dir.join("media");
        // The copies' identities come with them from `ensure_copies`; only copies given
        // without (a dry run, tests) need the copy cache listed.
        let unknown = infos.iter().any(|(_, i)| i.file_id.is_none());
        let linked = self
            .media
            .as_ref()
            .filter(|_| !infos.is_empty())
            .and_then(|media| {
                let cache = hard_links(&media_dir, &self.copies_dir, unknown)?;
                Some((media, cache))
            });
        let (quality, recipe) = self.copy_recipe;
        infos
            .into_par_iter()
            .map(|(n, i)| {
                let path = format!("media/{n}");
                if let Some((media, cache)) = &linked {
                    let copy = i.file_id.or_else(|| cache.as_ref()?.get(n).copied());
                    if copy.is_some() && media.get(n).copied() == copy {
                        return OutFile {
                            path,
                            source: Source::Kept,
                            key: None,
                        };
                    }
                }
                let key = KeyBuilder::new(&[0; 32])
                    .part(b"media")
                    .part(n.as_bytes())
                    .part(&i.width.to_le_bytes())
                    .part(&i.height.to_le_bytes())
                    .part(&[quality])
                    .part(&recipe.to_le_bytes())
                    .finish();
                let source = if self.memo.is_fresh(&path, &key, &media_dir.join(n)) {
                    Source::Kept
                } else {
                    Source::File(self.copies_dir.join(n))
                };
                OutFile {
                    path,
                    source,
                    key: Some(key),
                }
            })
            .collect()
    }

    fn sharing_views(&self) -> Result<Vec<serde_json::Value>> {
        let tz: chrono_tz::Tz = self.plan.timezone.parse().map_err(|_| {
            Error::invalid(format!(
                "the class time zone {:?} is not valid: fix it with `goalpost init`",
                self.plan.timezone
            ))
        })?;
        Ok(self
            .plan
            .sharing_times
            .iter()
            .map(|st| {
                let start = st.starts_at.with_timezone(&tz);
                let day = self.words.date(start.date_naive());
                let from = start.format("%H:%M").to_string();
                let when = match st.ends_at {
                    Some(e) => {
                        let to = e.with_timezone(&tz).format("%H:%M").to_string();
                        self.words.t(
                            "sharing-when-range",
                            &[("day", &day), ("from", &from), ("to", &to)],
                        )
                    }
                    None => self
                        .words
                        .t("sharing-when", &[("day", &day), ("from", &from)]),
                };
                // The place is for families only (their email and slip): the public blog
                // never shows where the school is.
                serde_json::json!({
                    "title": self.words.text(&st.title),
                    "when": when,
                    "iso": start.format("%Y-%m-%dT%H:%M").to_string(),
                })
            })
            .collect())
    }
}

/// Whether the blog's media folder and the copy cache are on the same file system (where a
/// copy is published as a hard link, and the same identity in both listings means the very
/// same file), with the copy cache's files listed if `cache_too`. `None` where that cannot
/// be told from listings (another file system or volume, a folder that cannot be listed):
/// each file is then looked at.
fn hard_links(
    media: &std::path::Path,
    cache: &std::path::Path,
    cache_too: bool,
) -> Option<Option<fsutil::Listing>> {
    if !fsutil::same_device(media, cache) {
        return None;
    }
    cache_too
        .then(|| fsutil::list_files(cache))
        .transpose()
        .ok()
}

/// A serialisable value as a template value.
fn sv<T: serde::Serialize>(x: T) -> Value {
    Value::from(minijinja::value::Serde(x))
}

/// The `lang` attribute: the class's language tag, or `en` if it holds anything but
/// letters, digits and hyphens.
fn html_lang(tag: &str) -> String {
    let ok = !tag.is_empty() && tag.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if ok {
        tag.to_string()
    } else {
        "en".into()
    }
}

/// A stable `urn:uuid:` for an Atom id when the blog has no address of its own.
fn uuid_urn(site_key: &str, name: &str) -> String {
    let d = Sha256::digest(format!("{site_key}\n{name}").as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_stable_and_well_formed() {
        let a = uuid_urn("k", "e1");
        assert_eq!(a, uuid_urn("k", "e1"));
        assert_ne!(a, uuid_urn("k", "e2"));
        assert_eq!(a.len(), "urn:uuid:".len() + 36);
        assert_eq!(&a[23..24], "5");
    }

    #[test]
    fn lang_attribute_is_a_plain_tag() {
        assert_eq!(html_lang("es-419"), "es-419");
        assert_eq!(html_lang("en\" onload=\"x"), "en");
    }
}
