//! The class blog, as families and the teacher see it: a folder of plain files that is
//! valid, private, stable and safe to rebuild.

mod blog_support;
mod common;

use std::collections::BTreeSet;

use blog_support::*;
use goalpost::{blog, Clock, Goalpost, Purpose};

fn demo() -> (tempfile::TempDir, Goalpost, Vec<goalpost::photo::Copies>) {
    let dir = tempfile::tempdir().unwrap();
    let gp = Goalpost::create(dir.path().join("class"))
        .unwrap()
        .with_clock(Clock::fixed(now()));
    gp.create_demo(12).unwrap();
    let copies = make_copies(&gp, 8);
    (dir, gp, copies)
}

#[test]
fn the_demo_blog_is_valid_html_with_a_readable_feed_and_no_broken_links() {
    let (_d, gp, copies) = demo();
    let r = blog::build(gp.folders(), &gp.plan().unwrap(), &copies).unwrap();
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    let dir = gp.blog_dir().unwrap();
    for page in [
        "index.html",
        "about.html",
        "archive/index.html",
        "feed.xml",
        "style.css",
    ] {
        assert!(dir.join(page).is_file(), "{page} is missing");
    }
    assert!(r.media > 0, "the demo has photos with consent");
    validate_html(&dir);
    assert!(check_links(&dir) > 50);
    let feed = parse_feed(&dir.join("feed.xml"));
    assert_eq!(feed["version"], "atom10");
    let plan = gp.blog_plan().unwrap();
    assert_eq!(feed["entries"].as_array().unwrap().len(), plan.posts.len());
    // Relative links in the feed resolve to the post pages.
    for e in feed["entries"].as_array().unwrap() {
        let link = e["link"].as_str().unwrap();
        assert!(dir.join(link).is_file(), "feed link {link}");
    }
    // Every image has alt text and the page its language.
    let index = std::fs::read_to_string(dir.join("index.html")).unwrap();
    assert!(index.starts_with("<!DOCTYPE html>\n<html lang=\"en\" dir=\"ltr\">"));
    for (rel, bytes) in tree(&dir) {
        if rel.ends_with(".html") {
            let html = String::from_utf8(bytes).unwrap();
            assert_eq!(
                html.matches("<img ").count(),
                html.matches(" alt=\"").count(),
                "{rel}"
            );
            assert!(!html.contains("alt=\"\""), "{rel} has an empty alt");
        }
    }
}

#[test]
fn the_consent_matrix_shows_exactly_what_families_allowed() {
    let (_d, gp) = new_class("en");
    let mut cases = Vec::new();
    let firsts = [
        "Aroha", "Mateo", "Zoë", "Sione", "Priya", "Kofi", "Hana", "Emre",
    ];
    let mut k = 0;
    for blog_ok in [true, false] {
        for name_ok in [true, false] {
            for photo_ok in [true, false] {
                let first = firsts[k];
                let spec = StudentSpec {
                    first,
                    last: &format!("Lastname{k}x"),
                    blog: blog_ok,
                    name: name_ok,
                    photo: photo_ok,
                };
                let (sid, eid) =
                    student_with_evidence(&gp, &spec, &format!("Words of student {k}q"), k as u32);
                cases.push((first, k, sid, eid, blog_ok, name_ok, photo_ok));
                k += 1;
            }
        }
    }
    let copies = make_copies(&gp, 16);
    blog::build(gp.folders(), &gp.plan().unwrap(), &copies).unwrap();
    let dir = gp.blog_dir().unwrap();
    let text = all_text(&dir);
    let files: BTreeSet<String> = tree(&dir).into_keys().collect();
    let hash_of = |eid| gp.evidence(eid).unwrap().photo_hash.unwrap();

    for (first, k, sid, eid, blog_ok, name_ok, photo_ok) in cases {
        let post = format!("posts/e{eid}.html");
        let student_page = format!("students/s{sid}.html");
        let words = format!("Words of student {k}q");
        let media: Vec<String> = files
            .iter()
            .filter(|f| f.starts_with(&format!("media/{}", &hash_of(eid)[..32])))
            .cloned()
            .collect();
        let case = format!("{first}: blog={blog_ok} name={name_ok} photo={photo_ok}");
        // Never a last name, whatever the consent.
        assert!(
            !text.contains(&format!("Lastname{k}x")),
            "{case}: last name published"
        );
        if !blog_ok {
            assert!(!files.contains(&post), "{case}: has a post page");
            assert!(!files.contains(&student_page), "{case}: has a student page");
            assert!(!text.contains(first), "{case}: name published");
            assert!(!text.contains(&words), "{case}: words published");
            assert!(media.is_empty(), "{case}: photo published");
            continue;
        }
        let page = std::fs::read_to_string(dir.join(&post)).unwrap();
        assert!(page.contains(&words), "{case}: words missing");
        assert!(
            text.matches(&format!("posts/e{eid}.html")).count() >= 2,
            "{case}: not linked"
        );
        if name_ok {
            assert!(page.contains(first), "{case}: name missing");
            assert!(files.contains(&student_page), "{case}: no student page");
        } else {
            assert!(
                !text.contains(first),
                "{case}: name published without consent"
            );
            assert!(page.contains("A student"), "{case}: no neutral label");
            assert!(
                !files.contains(&student_page),
                "{case}: student page without name consent"
            );
        }
        if photo_ok {
            assert_eq!(media.len(), 3, "{case}: web copies missing");
            assert!(page.contains("<img "), "{case}: photo missing");
        } else {
            assert!(media.is_empty(), "{case}: photo published without consent");
            assert!(
                !page.contains("<img "),
                "{case}: photo shown without consent"
            );
        }
    }
    // Nothing private, ever: family messages, contacts, the teacher's address, originals.
    assert!(!text.contains("private message to family"));
    assert!(
        !text.contains("room7@school.example"),
        "the teacher's address was published"
    );
    let html_text: String = text
        .split("=== ")
        .filter(|f| !f.starts_with("style.css"))
        .collect();
    assert!(!html_text.contains('@'), "an email address was published");
    assert!(files.iter().all(|f| !f.contains("original")));
    for f in files.iter().filter(|f| f.starts_with("media/")) {
        let name = f.trim_start_matches("media/");
        assert!(
            name.len() == 32 + 1 + 3 + 4 || name.len() == 32 + 1 + 4 + 4,
            "{name}"
        );
    }
    validate_html(&dir);
    check_links(&dir);
    let feed = parse_feed(&dir.join("feed.xml"));
    assert_eq!(feed["entries"].as_array().unwrap().len(), 4);
}

#[test]
fn hostile_text_renders_as_text_in_pages_and_feed() {
    let (_d, gp) = new_class("en");
    let nasty = "<script>alert(1)</script> ]]> </content> & \"quoted\" 'single' <b>bold</b>";
    let st = gp.add_student("Ana", "X", Some("<i>Ana</i>")).unwrap();
    for p in [Purpose::Blog, Purpose::NameOnBlog, Purpose::PhotoOnBlog] {
        gp.set_consent(st.id, p, true, "form").unwrap();
    }
    let g = gp
        .add_goal(
            st.id,
            "I can write <img src=x onerror=alert(1)>",
            "</title><script>x</script>",
            None,
        )
        .unwrap();
    gp.add_goal(st.id, "I can </content> next", "", Some(g.id))
        .unwrap();
    let e = evidence_with_photo(
        &gp,
        st.id,
        g.id,
        &format!("{nasty}\nsecond ]]> line"),
        "",
        1,
    );
    gp.approve(&[e]).unwrap();
    let copies = make_copies(&gp, 16);
    blog::build(gp.folders(), &gp.plan().unwrap(), &copies).unwrap();
    let dir = gp.blog_dir().unwrap();
    for (rel, bytes) in tree(&dir) {
        if rel.starts_with("media/") || rel.ends_with(".css") {
            continue;
        }
        let s = String::from_utf8(bytes).unwrap();
        for raw in [
            "<script",
            "<img src=x",
            "<i>Ana",
            "<b>bold",
            "</content> &",
            "</title><",
        ] {
            assert!(!s.contains(raw), "{rel} holds raw {raw:?}");
        }
    }
    let post = std::fs::read_to_string(dir.join(format!("posts/e{e}.html"))).unwrap();
    assert!(post.contains("&lt;script&gt;alert(1)&lt;/script&gt; ]]&gt; &lt;/content&gt; &amp; &quot;quoted&quot;"), "{post}");
    validate_html(&dir);
    // The feed reader sees the child's words as text, not markup.
    let feed = parse_feed(&dir.join("feed.xml"));
    let entry = &feed["entries"][0];
    assert_eq!(
        entry["title"],
        "<i>Ana</i>: I can write <img src=x onerror=alert(1)>"
    );
    let content = entry["content"].as_str().unwrap();
    assert!(
        content.contains("&lt;script&gt;alert(1)&lt;/script&gt; ]]&gt; &lt;/content&gt;"),
        "{content}"
    );
    assert!(!content.contains("<script"));
}

#[test]
fn the_same_database_gives_the_same_bytes_and_a_rebuild_writes_nothing() {
    let (d, gp, copies) = demo();
    let r1 = blog::build(gp.folders(), &gp.plan().unwrap(), &copies).unwrap();
    let first = tree(&gp.blog_dir().unwrap());
    let before = stamps(&gp.blog_dir().unwrap());
    let r2 = blog::build(gp.folders(), &gp.plan().unwrap(), &copies).unwrap();
    assert_eq!(
        (r2.written.len(), r2.removed.len()),
        (0, 0),
        "{:?}",
        r2.written
    );
    assert_eq!(r2.unchanged, r1.written.len());
    assert_eq!(
        stamps(&gp.blog_dir().unwrap()),
        before,
        "a rebuild touched files"
    );
    // A second folder built from the same database holds the very same bytes.
    let other = d.path().join("other-blog");
    gp.set_setting("blog.dir", other.to_str().unwrap()).unwrap();
    blog::build(gp.folders(), &gp.plan().unwrap(), &copies).unwrap();
    assert_eq!(tree(&other), first);
}

/// A rebuild renders only the pages whose inputs changed (the memo of the last build), so
/// after every kind of change the folder must hold exactly what a build from scratch
/// makes; and a page touched by hand is rendered again.
#[test]
fn a_rebuild_renders_only_what_changed_and_equals_a_build_from_scratch() {
    let (d, gp, copies) = demo();
    let dir = gp.blog_dir().unwrap();
    let first = blog::build(gp.folders(), &gp.plan().unwrap(), &copies).unwrap();
    assert_eq!(
        first.rendered, first.pages,
        "a first build renders every page"
    );
    let again = blog::build(gp.folders(), &gp.plan().unwrap(), &copies).unwrap();
    // The archive, about page, feed and style sheet are always rendered (and then
    // compared); every page that shows posts, the home page too, is kept as it is.
    assert_eq!(again.rendered, 4, "{again:?}");
    assert!(again.written.is_empty(), "{:?}", again.written);

    let fresh = d.path().join("fresh");
    let mut n = 0;
    let mut same_as_scratch = |gp: &Goalpost, what: &str| {
        let r = blog::build(gp.folders(), &gp.plan().unwrap(), &copies).unwrap();
        n += 1;
        let scratch = fresh.join(n.to_string());
        gp.set_setting("blog.dir", scratch.to_str().unwrap())
            .unwrap();
        blog::build(gp.folders(), &gp.plan().unwrap(), &copies).unwrap();
        gp.set_setting("blog.dir", dir.to_str().unwrap()).unwrap();
        assert_eq!(tree(&dir), tree(&scratch), "after {what}");
        r
    };
    gp.set_setting("blog.dir", dir.to_str().unwrap()).unwrap();
    let approved = gp
        .evidence_list(Some(goalpost::model::ReviewStatus::Approved))
        .unwrap();
    let e = approved[0].evidence.id;
    let st = approved[0].evidence.student_id;

    gp.edit_evidence_text(e, Some("New words <b>here</b>"), None)
        .unwrap();
    let r = same_as_scratch(&gp, "the words were edited");
    // The four always rendered, and the five that show the words: the post's own page,
    // the home page, its student's, subject's and month's pages (its neighbours show
    // only the goal).
    assert_eq!(r.rendered, 4 + 5, "{r:?}");
    assert!(r.written.contains(&format!("posts/e{e}.html")));

    gp.set_consent(st, Purpose::NameOnBlog, false, "by phone")
        .unwrap();
    same_as_scratch(&gp, "name consent was withdrawn");
    gp.edit_student(st, None, None, Some("Star")).unwrap();
    same_as_scratch(&gp, "a pseudonym was set");
    gp.set_setting("blog.site_url", "https://room7.school.example/")
        .unwrap();
    same_as_scratch(&gp, "the site address was set");
    let mut info = gp.class().unwrap();
    info.class_name = "Room Eight".into();
    gp.init_class(&info).unwrap();
    let r = same_as_scratch(&gp, "the class was renamed");
    assert_eq!(r.rendered, r.pages, "every page shows the class name");
    info.language = "es".into();
    gp.init_class(&info).unwrap();
    let r = same_as_scratch(&gp, "the class speaks Spanish");
    assert_eq!(r.rendered, r.pages, "every page has the class's words");
    let theme = gp.data_dir().join("theme");
    std::fs::create_dir_all(&theme).unwrap();
    std::fs::write(
        theme.join("macros.html"),
        std::fs::read_to_string("src/blog/templates/macros.html")
            .unwrap()
            .replacen("<article", "<article data-theme=\"mine\"", 1),
    )
    .unwrap();
    same_as_scratch(&gp, "a theme template changed");
    assert!(all_text(&dir).contains("data-theme=\"mine\""));
    // The teacher's own catalog, for a message with arguments (each photo's text).
    let catalog = gp.data_dir().join("i18n").join("es");
    std::fs::create_dir_all(&catalog).unwrap();
    std::fs::write(
        catalog.join("blog.ftl"),
        "photo-alt = Foto de la meta: { $goal }\n",
    )
    .unwrap();
    same_as_scratch(&gp, "a catalog of the teacher's own");
    assert!(all_text(&dir).contains("Foto de la meta: "));

    // A page edited by hand is put right by the next build, though nothing changed.
    let page = dir.join(format!("posts/e{e}.html"));
    let good = std::fs::read(&page).unwrap();
    std::fs::write(&page, "defaced").unwrap();
    let r = blog::build(gp.folders(), &gp.plan().unwrap(), &copies).unwrap();
    assert_eq!(r.written, [format!("posts/e{e}.html")]);
    assert_eq!(std::fs::read(&page).unwrap(), good);
    // Without the memo (a new data folder's cache, a damaged one) everything is rendered
    // and nothing is rewritten.
    let memos: Vec<_> = std::fs::read_dir(gp.data_dir().join("cache"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains("blog-pages-"))
        .collect();
    assert_eq!(memos.len(), n + 1, "one memo per blog folder: {memos:?}");
    for m in memos {
        std::fs::write(m, "damaged").unwrap();
    }
    let r = blog::build(gp.folders(), &gp.plan().unwrap(), &copies).unwrap();
    assert_eq!((r.rendered, r.written.len()), (r.pages, 0), "{r:?}");
}

/// A build as `blog build` and sync run it, with the photo pipeline: a copy the build
/// finds gone from the copy cache is made again; a published copy deleted or replaced by
/// hand (even by a file of the same length) is put back; a new photo quality makes new
/// copies and publishes them; a withdrawn photo consent takes them off the blog. (Copies
/// are known from folder listings and the copies index, not from a look at each file: these
/// are the changes those listings must still see.)
#[test]
fn photo_copies_deleted_replaced_or_made_again_are_published_again() {
    use goalpost::photo::{self, Size};
    let (_d, gp) = new_class("en");
    let spec = StudentSpec {
        first: "Aroha",
        last: "L",
        blog: true,
        name: true,
        photo: true,
    };
    let (st, e) = student_with_evidence(&gp, &spec, "aroha words", 1);
    let build = |gp: &Goalpost| gp.build_blog().unwrap();
    build(&gp);
    let hash = gp.evidence(e).unwrap().photo_hash.unwrap();
    let name = photo::copy_file_name(&hash, Size::Thumb);
    let media = format!("media/{name}");
    let cached = photo::copy_path(gp.data_dir(), &hash, Size::Thumb);
    let published = gp.blog_dir().unwrap().join(&media);
    let good = std::fs::read(&cached).unwrap();
    assert_eq!(std::fs::read(&published).unwrap(), good);
    assert!(build(&gp).written.is_empty());

    // Deleted from the copy cache: made again (the same bytes) and still published.
    std::fs::remove_file(&cached).unwrap();
    let r = build(&gp);
    assert_eq!(std::fs::read(&cached).unwrap(), good);
    assert_eq!(std::fs::read(&published).unwrap(), good);
    assert!(r.written.is_empty(), "same bytes: {:?}", r.written);

    // Deleted from the blog folder: put back.
    std::fs::remove_file(&published).unwrap();
    let r = build(&gp);
    assert_eq!(r.written, std::slice::from_ref(&media));
    assert_eq!(std::fs::read(&published).unwrap(), good);

    // Replaced in the blog folder by another file of the same length: put back.
    let mut other = good.clone();
    let mid = other.len() / 2;
    other[mid] ^= 0xff;
    std::fs::remove_file(&published).unwrap();
    std::fs::write(&published, &other).unwrap();
    let r = build(&gp);
    assert_eq!(r.written, std::slice::from_ref(&media));
    assert_eq!(std::fs::read(&published).unwrap(), good);

    // A new quality: new copies, and the blog publishes them.
    gp.set_setting("photo.quality", "50").unwrap();
    let r = build(&gp);
    let new = std::fs::read(&cached).unwrap();
    assert_ne!(new, good, "the copy was not made again");
    assert_eq!(std::fs::read(&published).unwrap(), new);
    let media_written = r.written.iter().filter(|w| w.starts_with("media/")).count();
    assert_eq!(media_written, 3, "{:?}", r.written);
    assert!(build(&gp).written.is_empty());

    // Photo consent withdrawn: every copy leaves the blog.
    gp.set_consent(st, Purpose::PhotoOnBlog, false, "by phone")
        .unwrap();
    let r = build(&gp);
    assert_eq!(
        r.removed.iter().filter(|p| p.starts_with("media/")).count(),
        3
    );
    assert!(!published.exists());
}

#[test]
fn returned_and_erased_evidence_and_withdrawn_consent_vanish_and_other_files_stay() {
    let (_d, gp) = new_class("en");
    let spec = |first| StudentSpec {
        first,
        last: "L",
        blog: true,
        name: true,
        photo: true,
    };
    let (a, ea) = student_with_evidence(&gp, &spec("Aroha"), "aroha words", 1);
    let (_b, eb) = student_with_evidence(&gp, &spec("Mateo"), "mateo words", 2);
    let (c, ec) = student_with_evidence(&gp, &spec("Sione"), "sione words", 3);
    let copies = make_copies(&gp, 16);
    blog::build(gp.folders(), &gp.plan().unwrap(), &copies).unwrap();
    let dir = gp.blog_dir().unwrap();
    std::fs::write(dir.join("CNAME"), "room7.school.example").unwrap();
    std::fs::write(dir.join("posts/teachers-note.html"), "mine").unwrap();
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    std::fs::write(dir.join(".git/HEAD"), "ref").unwrap();

    gp.return_evidence(eb, "please retake the photo").unwrap();
    gp.set_consent(a, Purpose::PhotoOnBlog, false, "mother, by phone")
        .unwrap();
    gp.remove_student(c).unwrap();
    let r = blog::build(gp.folders(), &gp.plan().unwrap(), &copies).unwrap();

    let files: BTreeSet<String> = tree(&dir).into_keys().collect();
    assert!(!files.contains(&format!("posts/e{eb}.html")));
    assert!(!files.contains(&format!("posts/e{ec}.html")));
    assert!(!files.contains(&format!("students/s{c}.html")));
    assert!(files.contains(&format!("posts/e{ea}.html")));
    let media: Vec<&String> = files.iter().filter(|f| f.starts_with("media/")).collect();
    assert!(
        media.is_empty(),
        "photos left after consent withdrawn: {media:?}"
    );
    assert!(r.removed.len() >= 2 + 1 + 9, "{:?}", r.removed);
    let text = all_text(&dir);
    for gone in ["mateo words", "sione words", "Sione", "Mateo"] {
        assert!(!text.contains(gone), "{gone} is still published");
    }
    // The teacher's files are untouched.
    assert_eq!(
        std::fs::read_to_string(dir.join("CNAME")).unwrap(),
        "room7.school.example"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("posts/teachers-note.html")).unwrap(),
        "mine"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join(".git/HEAD")).unwrap(),
        "ref"
    );
}

#[test]
fn a_failed_build_leaves_the_previous_site_and_a_killed_one_converges() {
    let (_d, gp, copies) = demo();
    blog::build(gp.folders(), &gp.plan().unwrap(), &copies).unwrap();
    let dir = gp.blog_dir().unwrap();
    let before = tree(&dir);

    // A broken theme template: the build fails, says which file, and changes nothing.
    let theme = gp.data_dir().join("theme");
    std::fs::create_dir_all(&theme).unwrap();
    std::fs::write(
        theme.join("post.html"),
        "{% extends \"base.html\" %}{% block main %}{{ post.goal }",
    )
    .unwrap();
    let e = gp.approve_all().unwrap();
    assert!(!e.is_empty(), "the demo has waiting evidence");
    let err = blog::build(gp.folders(), &gp.plan().unwrap(), &copies)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("theme") && err.contains("post.html") && err.contains("delete it"),
        "{err}"
    );
    assert_eq!(tree(&dir), before, "a failed build changed the site");
    std::fs::remove_file(theme.join("post.html")).unwrap();

    // A build killed after it wrote its journal and some files: a temporary file and a
    // page that should no longer exist are left behind, and the journal says the build
    // was writing. The next build cleans both up.
    let manifest = dir.join(blog::MANIFEST);
    let complete = std::fs::read_to_string(&manifest).unwrap();
    assert!(complete.contains("\n# state: complete\n"), "{complete}");
    let killed = complete.replace("# state: complete", "# state: writing") + "posts/e999.html\n";
    std::fs::write(&manifest, &killed).unwrap();
    std::fs::write(dir.join("posts/e999.html"), "stale").unwrap();
    std::fs::write(dir.join("posts/.goalpost-tmp-abc123"), "half").unwrap();
    let copies = make_copies(&gp, 8);
    let r = blog::build(gp.folders(), &gp.plan().unwrap(), &copies).unwrap();
    assert!(r.removed.contains(&"posts/e999.html".to_string()));
    let files: BTreeSet<String> = tree(&dir).into_keys().collect();
    assert!(
        !files.iter().any(|f| f.contains(".goalpost-tmp-")),
        "{files:?}"
    );
    assert!(!files.contains("posts/e999.html"));
    // And it converged: the next build has nothing to do, the manifest is complete again.
    let r = blog::build(gp.folders(), &gp.plan().unwrap(), &copies).unwrap();
    assert_eq!((r.written.len(), r.removed.len()), (0, 0));
    let m = std::fs::read_to_string(&manifest).unwrap();
    assert!(m.contains("\n# state: complete\n"), "{m}");

    // Killed while writing the journal itself: its temporary file is beside the manifest,
    // which still says complete. And a manifest from a version without the mark: every
    // folder is looked at.
    std::fs::write(dir.join(".goalpost-tmp-journal"), "half").unwrap();
    blog::build(gp.folders(), &gp.plan().unwrap(), &copies).unwrap();
    assert!(!dir.join(".goalpost-tmp-journal").exists());
    let old_version = std::fs::read_to_string(&manifest)
        .unwrap()
        .replace("# state: complete\n", "");
    std::fs::write(&manifest, old_version).unwrap();
    std::fs::write(dir.join("posts/.goalpost-tmp-old"), "half").unwrap();
    let r = blog::build(gp.folders(), &gp.plan().unwrap(), &copies).unwrap();
    assert_eq!((r.written.len(), r.removed.len()), (0, 0));
    assert!(!dir.join("posts/.goalpost-tmp-old").exists());
    let m = std::fs::read_to_string(&manifest).unwrap();
    assert!(m.contains("\n# state: complete\n"), "{m}");
}

#[test]
fn the_blog_will_not_write_into_a_folder_of_someone_elses_files() {
    let (d, gp, copies) = demo();
    let docs = d.path().join("Documents");
    std::fs::create_dir_all(&docs).unwrap();
    std::fs::write(docs.join("index.html"), "my own site").unwrap();
    gp.set_setting("blog.dir", docs.to_str().unwrap()).unwrap();
    let err = blog::build(gp.folders(), &gp.plan().unwrap(), &copies)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("did not write") && err.contains("blog.dir"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(docs.join("index.html")).unwrap(),
        "my own site"
    );
}

#[test]
fn theme_files_override_templates_and_the_style_sheet() {
    let (_d, gp, copies) = demo();
    let theme = gp.data_dir().join("theme");
    std::fs::create_dir_all(&theme).unwrap();
    std::fs::write(theme.join("style.css"), "body { color: teal; }\n").unwrap();
    std::fs::write(
        theme.join("about.html"),
        "{% extends \"base.html\" %}{% block main %}<h1>Our own about page for {{ site.class_name }}</h1>{% include \"extra.html\" %}{% endblock %}",
    )
    .unwrap();
    std::fs::write(theme.join("extra.html"), "<p>{{ about }}</p>").unwrap();
    blog::build(gp.folders(), &gp.plan().unwrap(), &copies).unwrap();
    let dir = gp.blog_dir().unwrap();
    assert_eq!(
        std::fs::read_to_string(dir.join("style.css")).unwrap(),
        "body { color: teal; }\n"
    );
    let about = std::fs::read_to_string(dir.join("about.html")).unwrap();
    assert!(about.contains("Our own about page for Room 7"), "{about}");
    assert!(about.contains("This is the class blog of Room 7"));
}

/// Opening the theme folder leaves reference copies of the built-in templates in
/// `theme/built-in/`: they change nothing until the teacher copies one up and edits it.
#[test]
fn the_theme_folder_offers_the_built_in_templates_without_using_them() {
    let (_d, gp, copies) = demo();
    blog::build(gp.folders(), &gp.plan().unwrap(), &copies).unwrap();
    let dir = gp.blog_dir().unwrap();
    let before = all_text(&dir);

    let theme = gp.folder(goalpost::teacher::Folder::Theme).unwrap();
    assert_eq!(theme, gp.data_dir().join("theme"));
    let reference = theme.join("built-in");
    for name in [
        "base.html",
        "post.html",
        "feed.xml",
        "style.css",
        "README.txt",
    ] {
        assert!(reference.join(name).is_file(), "{name} is offered");
    }
    let report = blog::build(gp.folders(), &gp.plan().unwrap(), &copies).unwrap();
    assert!(report.written.is_empty(), "reference copies are never used");
    assert_eq!(all_text(&dir), before);

    // A copy moved up unchanged changes nothing; an edited copy changes the pages.
    let post = std::fs::read_to_string(reference.join("post.html")).unwrap();
    std::fs::write(theme.join("post.html"), &post).unwrap();
    blog::build(gp.folders(), &gp.plan().unwrap(), &copies).unwrap();
    assert_eq!(all_text(&dir), before);
    std::fs::write(
        theme.join("post.html"),
        post.replacen("<article", "<article data-edited=\"yes\"", 1),
    )
    .unwrap();
    blog::build(gp.folders(), &gp.plan().unwrap(), &copies).unwrap();
    assert!(all_text(&dir).contains("data-edited=\"yes\""));

    // Asking again refreshes the reference copies and leaves the teacher's own alone.
    std::fs::write(reference.join("post.html"), "scribbled").unwrap();
    gp.folder(goalpost::teacher::Folder::Theme).unwrap();
    assert_eq!(
        std::fs::read_to_string(reference.join("post.html")).unwrap(),
        post
    );
    assert!(std::fs::read_to_string(theme.join("post.html"))
        .unwrap()
        .contains("data-edited"));
}

#[test]
fn the_class_language_sets_the_words_dates_and_direction() {
    for (lang, dir_attr, words) in [
        (
            "es",
            "ltr",
            [
                "Nuestros últimos logros",
                "de noviembre de 2026",
                "Un estudiante",
            ],
        ),
        ("ar", "rtl", ["أحدث إنجازاتنا", "نوفمبر", "طالب"]),
    ] {
        let (_d, gp) = new_class(lang);
        let spec = |first, name| StudentSpec {
            first,
            last: "L",
            blog: true,
            name,
            photo: true,
        };
        student_with_evidence(&gp, &spec("Ana", true), "palabras", 1);
        student_with_evidence(&gp, &spec("Eva", false), "otras", 2);
        let copies = make_copies(&gp, 16);
        blog::build(gp.folders(), &gp.plan().unwrap(), &copies).unwrap();
        let dir = gp.blog_dir().unwrap();
        let text = all_text(&dir);
        let index = std::fs::read_to_string(dir.join("index.html")).unwrap();
        assert!(
            index.contains(&format!("<html lang=\"{lang}\" dir=\"{dir_attr}\">")),
            "{lang}"
        );
        for w in words {
            assert!(text.contains(w), "{lang}: {w} missing");
        }
        assert!(
            parse_feed(&dir.join("feed.xml"))["entries"]
                .as_array()
                .unwrap()
                .len()
                == 2
        );
    }
}

/// Upcoming sharing times are on the home page, but not where they are: a teacher may
/// type the school's street address, and the public blog never shows it.
#[test]
fn sharing_times_show_on_the_blog_without_their_place() {
    let (_d, gp, copies) = demo();
    let at = |s: &str| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
    gp.add_sharing_time(
        at("2026-11-26 14:00"),
        None,
        "Maths morning",
        "12 Kōwhai Street, Room 7",
    )
    .unwrap();
    blog::build(gp.folders(), &gp.plan().unwrap(), &copies).unwrap();
    let dir = gp.blog_dir().unwrap();
    let home = std::fs::read_to_string(dir.join("index.html")).unwrap();
    assert!(home.contains("Maths morning"), "the sharing time is shown");
    assert!(
        !all_text(&dir).contains("Kōwhai Street"),
        "the place is on no page, the feed or the style sheet"
    );
}

#[test]
fn with_a_site_url_the_feed_links_are_absolute() {
    let (_d, gp, copies) = demo();
    gp.set_setting("blog.site_url", "https://kowhai.school.example/room-7")
        .unwrap();
    blog::build(gp.folders(), &gp.plan().unwrap(), &copies).unwrap();
    let dir = gp.blog_dir().unwrap();
    let feed = parse_feed(&dir.join("feed.xml"));
    for e in feed["entries"].as_array().unwrap() {
        let link = e["link"].as_str().unwrap();
        assert!(
            link.starts_with("https://kowhai.school.example/room-7/posts/e"),
            "{link}"
        );
        assert_eq!(e["id"], e["link"]);
        let content = e["content"].as_str().unwrap();
        if content.contains("<img") {
            assert!(
                content.contains("src=\"https://kowhai.school.example/room-7/media/"),
                "{content}"
            );
        }
    }
    // Pages keep relative links, so the folder still works from disk.
    check_links(&dir);
}

/// The incremental build: after one new evidence in a 1,200-evidence site, exactly the
/// pages that show it are rewritten.
#[test]
fn one_new_evidence_in_a_year_of_evidence_rewrites_only_the_pages_that_show_it() {
    let (_d, gp) = new_class("en");
    let gp = year_class(gp, 30, 1200);
    let copies = make_copies(&gp, 64);
    let r = blog::build(gp.folders(), &gp.plan().unwrap(), &copies).unwrap();
    let dir = gp.blog_dir().unwrap();
    // Home + 59 numbered pages + 1200 posts + 30 students + 6 subjects + 10 months +
    // archive + about + feed + style.
    assert_eq!(r.pages, 1 + 59 + 1200 + 30 + 6 + 10 + 4, "{r:?}");
    assert_eq!(r.media, 3600);
    let before = stamps(&dir);
    let newest_before = gp.blog_plan().unwrap().posts[0].slug.clone();

    let gp = gp.with_clock(Clock::fixed("2026-11-20T01:00:00Z".parse().unwrap()));
    let st = gp.students().unwrap()[4].clone();
    let g = gp
        .add_goal(st.id, "I can build a blog", "Science", None)
        .unwrap();
    let e = evidence_with_photo(&gp, st.id, g.id, "It has pages!", "", 5000);
    gp.approve(&[e]).unwrap();
    let copies = make_copies(&gp, 64);
    let r = blog::build(gp.folders(), &gp.plan().unwrap(), &copies).unwrap();
    let after = stamps(&dir);

    let rewritten: BTreeSet<String> = after
        .iter()
        .filter(|(p, s)| before.get(*p) != Some(s))
        .map(|(p, _)| p.clone())
        .collect();
    let subject = goalpost::plan::subject_slug("Science");
    let hash = gp.evidence(e).unwrap().photo_hash.unwrap();
    let mut expected: BTreeSet<String> = [
        format!("posts/e{e}.html"),
        format!("posts/{newest_before}.html"),
        "index.html".into(),
        format!("students/s{}.html", st.id),
        format!("subjects/{subject}.html"),
        "archive/2026-11.html".into(),
        "feed.xml".into(),
        blog::MANIFEST.into(),
    ]
    .into();
    for size in goalpost::photo::Size::ALL {
        expected.insert(format!(
            "media/{}",
            goalpost::photo::copy_file_name(&hash, size)
        ));
    }
    assert_eq!(rewritten, expected);
    assert_eq!(rewritten.len(), 11);
    assert_eq!(r.written.len(), 10, "{:?}", r.written);
    assert!(r.removed.is_empty());
    check_links(&dir);
}

/// `goalpost blog build` on the demo class, as the teacher runs it.
#[test]
fn the_cli_builds_the_demo_blog_and_reports_what_it_did() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("class");
    let run = |args: &[&str]| {
        let out = assert_cmd::Command::cargo_bin("goalpost")
            .unwrap()
            .arg("--data-dir")
            .arg(&data)
            .args(args)
            .env("GOALPOST_NOW", NOW)
            .env_remove("GOALPOST_DATA_DIR")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    };
    run(&["demo"]);
    // The photo pipeline makes the web copies; here the test does.
    let gp = Goalpost::open(&data).unwrap();
    make_copies(&gp, 8);
    let out = run(&["--json", "blog", "build"]);
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(s["written"].as_u64().unwrap() > 10, "{s}");
    assert_eq!(s["removed"], 0);
    assert!(s["media"].as_u64().unwrap() > 0, "{s}");
    assert_eq!(s["warnings"].as_array().unwrap().len(), 0, "{s}");
    let out = run(&["--json", "blog", "build"]);
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (s["written"].as_u64(), s["removed"].as_u64()),
        (Some(0), Some(0)),
        "{s}"
    );
    let out = run(&["blog", "path"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        data.join("blog").to_string_lossy()
    );
}

/// Not a test: renders the demo class's blog into $GOALPOST_BLOG_DEMO for a look in a
/// browser (`cargo test --test blog render_demo -- --ignored`).
#[test]
#[ignore]
fn render_demo() {
    let Ok(out) = std::env::var("GOALPOST_BLOG_DEMO") else {
        return;
    };
    let data = std::path::PathBuf::from(out);
    let lang = std::env::var("GOALPOST_BLOG_DEMO_LANG").unwrap_or_else(|_| "en".into());
    let gp = Goalpost::create(&data)
        .unwrap()
        .with_clock(Clock::fixed(now()));
    if gp.students().unwrap().is_empty() {
        gp.create_demo(30).unwrap();
        let mut c = gp.class().unwrap();
        c.language = lang;
        gp.init_class(&c).unwrap();
    }
    let copies = make_copies(&gp, 1);
    let r = blog::build(gp.folders(), &gp.plan().unwrap(), &copies).unwrap();
    eprintln!("{r:?}");
}
