//! Photos on the real camera files of `tests/fixtures/photos`: import, upright and clean
//! web copies, caching and determinism. The hostile inputs, run through the real binary
//! with a memory limit, are in `photo_cli.rs`.

mod common;
mod photo_support;

use goalpost::photo::{self, Size};
use goalpost::{ErrorKind, Goalpost};
use photo_support::*;

fn class() -> (tempfile::TempDir, Goalpost) {
    let dir = tempfile::tempdir().expect("temp dir");
    let gp = Goalpost::create(dir.path()).expect("create data folder");
    (dir, gp)
}

fn web_copy(rel: &str) -> image::RgbImage {
    let made = photo::make_copies(&read_fixture(rel), rel, 80).expect("copies");
    assert_eq!(made[0].size, Size::Web);
    decode_rgb(&made[0].jpeg)
}

/// The reference and its three same-sized mirror images (the wrong ways a photo can come
/// out while still having the right shape).
fn wrong_ways(r: &image::RgbImage) -> [(&'static str, image::RgbImage); 3] {
    [
        ("mirrored", image::imageops::flip_horizontal(r)),
        ("upside down", image::imageops::flip_vertical(r)),
        ("rotated 180", image::imageops::rotate180(r)),
    ]
}

#[test]
fn every_orientation_comes_out_upright_and_matches_orientation_1() {
    for kind in ["landscape", "portrait"] {
        let first = web_copy(&format!("orientation/{kind}_1.jpg"));
        let (w, h) = first.dimensions();
        if kind == "landscape" {
            assert!(w > h, "{kind}_1 is {w}x{h}");
        } else {
            assert!(h > w, "{kind}_1 is {w}x{h}");
        }
        let wrong_first = wrong_ways(&first);
        for o in 1..=8 {
            let rel = format!("orientation/{kind}_{o}.jpg");
            let copy = web_copy(&rel);
            assert_eq!(copy.dimensions(), (w, h), "{rel} is not upright");

            // Pixel-wise against the same file turned upright by an independent
            // implementation (the image crate's): only re-encoding loss apart (about 4-5
            // per channel); a wrong turn is 40 or more apart.
            let reference = upright_by_image_crate(&rel);
            let diff = mean_abs_diff(&copy, &reference);
            assert!(
                diff < 8.0,
                "{rel}: {diff:.2} per channel from the upright original"
            );
            for (how, img) in wrong_ways(&reference) {
                let d = mean_abs_diff(&copy, &img);
                assert!(d > diff * 3.0, "{rel} looks {how} ({d:.2} vs {diff:.2})");
            }

            // The same picture as *_1 (a separate encoding with its own colour
            // processing, about 14 per channel apart, so compared by structure).
            let c = correlation(&copy, &first);
            assert!(c > 0.95, "{rel}: correlation with {kind}_1 only {c:.3}");
            for (how, img) in &wrong_first {
                let cw = correlation(&copy, img);
                assert!(cw < 0.8, "{rel} matches {kind}_1 {how} ({cw:.3})");
            }
        }
    }
}

/// The fixture decoded and turned upright by the image crate, at the fixture's size.
fn upright_by_image_crate(rel: &str) -> image::RgbImage {
    use image::ImageDecoder;
    let mut dec = image::ImageReader::new(std::io::Cursor::new(read_fixture(rel)))
        .with_guessed_format()
        .unwrap()
        .into_decoder()
        .unwrap();
    let orientation = dec.orientation().unwrap();
    let mut img = image::DynamicImage::from_decoder(dec).unwrap();
    img.apply_orientation(orientation);
    img.into_rgb8()
}

/// Correlation of two pictures' brightness at 64 px wide: 1.0 for the same picture,
/// whatever the exposure or colour processing.
fn correlation(a: &image::RgbImage, b: &image::RgbImage) -> f64 {
    let grey = |i: &image::RgbImage| -> Vec<f64> {
        let g = image::DynamicImage::ImageRgb8(i.clone()).into_luma8();
        image::imageops::resize(
            &g,
            64,
            64 * i.height() / i.width(),
            image::imageops::FilterType::Triangle,
        )
        .pixels()
        .map(|p| f64::from(p.0[0]))
        .collect()
    };
    let (x, y) = (grey(a), grey(b));
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let (mx, my) = (mean(&x), mean(&y));
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (p, q) in x.iter().zip(&y) {
        sxy += (p - mx) * (q - my);
        sxx += (p - mx).powi(2);
        syy += (q - my).powi(2);
    }
    sxy / (sxx * syy).sqrt()
}

#[test]
fn a_wrong_orientation_would_be_caught() {
    // Guards the test above: each wrong way of a picture is far beyond its tolerances.
    for kind in ["landscape", "portrait"] {
        let reference = web_copy(&format!("orientation/{kind}_1.jpg"));
        for (how, img) in wrong_ways(&reference) {
            let d = mean_abs_diff(&img, &reference);
            assert!(d > 25.0, "{kind} {how}: {d:.2}");
            let c = correlation(&img, &reference);
            assert!(c < 0.8, "{kind} {how}: {c:.3}");
        }
    }
}

#[test]
fn the_8_megapixel_phone_photo_gets_all_three_sizes() {
    let made = photo::make_copies(&read_fixture("phone/jolla.jpg"), "jolla.jpg", 80).unwrap();
    let sizes: Vec<_> = made.iter().map(|m| (m.size, m.width, m.height)).collect();
    assert_eq!(
        sizes,
        [
            (Size::Web, 1600, 1200),
            (Size::Email, 1024, 768),
            (Size::Thumb, 400, 300)
        ]
    );
    for m in &made {
        let img = decode_rgb(&m.jpeg);
        assert_eq!(img.dimensions(), (m.width, m.height));
        assert_no_metadata(&m.jpeg, &format!("jolla {:?}", m.size));
        // Two independent decoders see the same picture (guards against copies that only
        // some readers get right; seen with optimised Huffman tables).
        let other = jpeg_decoder::Decoder::new(&m.jpeg[..]).decode().unwrap();
        let other = image::RgbImage::from_raw(m.width, m.height, other).unwrap();
        let diff = mean_abs_diff(&img, &other);
        assert!(diff < 1.0, "{:?}: decoders disagree by {diff:.2}", m.size);
    }
    // And the picture is the photo: the thumbnail matches the original shrunk by a
    // decoder and resizer that are not ours.
    let original = image::load_from_memory(&read_fixture("phone/jolla.jpg")).unwrap();
    let reference = original
        .resize_exact(400, 300, image::imageops::FilterType::Triangle)
        .into_rgb8();
    let diff = mean_abs_diff(&decode_rgb(&made[2].jpeg), &reference);
    assert!(diff < 4.0, "thumbnail differs from the photo by {diff:.2}");
}

#[test]
fn a_large_photo_turned_by_exif_is_upright_through_the_scaled_decoder() {
    // jolla.jpg is large enough (3264 px) to be decoded at half size for the copies.
    let jolla = read_fixture("phone/jolla.jpg");
    let upright = decode_rgb(&photo::make_copies(&jolla, "jolla.jpg", 80).unwrap()[0].jpeg);
    for (o, expect) in [
        (6, image::imageops::rotate90(&upright)),
        (8, image::imageops::rotate270(&upright)),
        (3, image::imageops::rotate180(&upright)),
    ] {
        let turned = with_orientation(&jolla, o);
        let (_dir, gp) = class();
        let rec = gp.import_photo(&turned, "turned.jpg").unwrap();
        let (w, h) = (rec.width, rec.height);
        assert_eq!(
            (w, h),
            if o == 3 { (3264, 2448) } else { (2448, 3264) },
            "orientation {o}"
        );
        let made = photo::make_copies(&turned, "turned.jpg", 80).unwrap();
        let web = decode_rgb(&made[0].jpeg);
        assert_eq!(web.dimensions(), expect.dimensions(), "orientation {o}");
        let diff = mean_abs_diff(&web, &expect);
        // Stored the other way round, the stored picture is resized along the other axis
        // first: a little resampling difference, nothing like a wrong turn.
        assert!(diff < 2.0, "orientation {o}: {diff:.2}");
        assert_no_metadata(&made[0].jpeg, "turned web copy");
    }
}

#[test]
fn copies_of_gps_photos_hold_no_metadata_at_all() {
    let (dir, gp) = class();
    let mut hashes = Vec::new();
    for rel in ["gps/DSCN0010.jpg", "gps/DSCN0021.jpg"] {
        hashes.push(gp.import_photo_file(&fixture(rel)).unwrap().hash);
    }
    let copies = gp.ensure_copies(&hashes).unwrap();
    let mut files = Vec::new();
    for c in &copies {
        assert_eq!(c.copies.len(), 3);
        for ci in &c.copies {
            let p = photo::copy_path(dir.path(), &c.hash, ci.size);
            let bytes = std::fs::read(&p).unwrap();
            assert_no_metadata(&bytes, &ci.file_name);
            files.push(p);
        }
    }
    // The original does carry GPS, so the check above is not vacuous.
    let original = exiftool_groups(&[fixture("gps/DSCN0010.jpg")]);
    assert!(original[0].1.iter().any(|g| g == "GPS"), "{original:?}");
    for (f, groups) in exiftool_groups(&files) {
        assert!(
            groups.is_empty(),
            "exiftool finds {groups:?} in {}",
            f.display()
        );
    }
}

#[test]
fn the_damaged_jpeg_is_imported_and_copied() {
    let (_dir, gp) = class();
    let rec = gp
        .import_photo_file(&fixture("broken/image00971.jpg"))
        .expect("a damaged but decodable JPEG is taken");
    assert_eq!((rec.width, rec.height), (636, 227));
    let copies = gp.ensure_copies(std::slice::from_ref(&rec.hash)).unwrap();
    let web = &copies[0].copies[0];
    assert_eq!((web.width, web.height), (636, 227), "never enlarged");
}

#[test]
fn heif_is_refused_with_how_to_get_a_jpeg() {
    let (_dir, gp) = class();
    let e = gp
        .import_photo_file(&fixture("phone/samplefilehub.heif"))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Photo);
    let msg = e.to_string();
    assert!(
        msg.contains("HEIF") && msg.contains("JPEG") && msg.contains("Most Compatible"),
        "{msg}"
    );
    assert!(!msg.contains('\n'));
}

#[test]
fn the_same_photo_twice_is_stored_once_with_its_upright_size() {
    let (dir, gp) = class();
    let a = gp
        .import_photo_file(&fixture("orientation/portrait_6.jpg"))
        .unwrap();
    let b = gp
        .import_photo(
            &read_fixture("orientation/portrait_6.jpg"),
            "other-name.jpg",
        )
        .unwrap();
    assert_eq!(a.hash, b.hash);
    assert!(
        a.height > a.width,
        "recorded size is upright: {}x{}",
        a.width,
        a.height
    );
    let stored = std::fs::read_dir(photo::originals_dir(dir.path()))
        .unwrap()
        .count();
    assert_eq!(stored, 1);
    assert_eq!(
        std::fs::read(photo::original_path(dir.path(), &a.hash)).unwrap(),
        read_fixture("orientation/portrait_6.jpg"),
        "the original is kept byte for byte"
    );
}

#[test]
fn copies_are_cached_deterministic_and_follow_the_quality_setting() {
    let (dir, gp) = class();
    let hash = gp
        .import_photo_file(&fixture("phone/jolla.jpg"))
        .unwrap()
        .hash;
    let first = gp.ensure_copies(std::slice::from_ref(&hash)).unwrap();
    let web = photo::copy_path(dir.path(), &hash, Size::Web);
    let bytes1 = std::fs::read(&web).unwrap();
    let mtime = std::fs::metadata(&web).unwrap().modified().unwrap();

    // Cached: asking again does not make the copy again.
    let again = gp.ensure_copies(std::slice::from_ref(&hash)).unwrap();
    assert_eq!(again[0].copies, first[0].copies);
    assert_eq!(std::fs::metadata(&web).unwrap().modified().unwrap(), mtime);

    // Deterministic: made again from scratch, the bytes are the same.
    std::fs::remove_dir_all(photo::copies_dir(dir.path())).unwrap();
    gp.ensure_copies(std::slice::from_ref(&hash)).unwrap();
    assert_eq!(std::fs::read(&web).unwrap(), bytes1);

    // A new quality makes new copies.
    gp.set_setting("photo.quality", "50").unwrap();
    gp.ensure_copies(std::slice::from_ref(&hash)).unwrap();
    let bytes50 = std::fs::read(&web).unwrap();
    assert!(
        bytes50.len() < bytes1.len(),
        "{} vs {}",
        bytes50.len(),
        bytes1.len()
    );

    // Nothing half-written is left behind.
    for e in std::fs::read_dir(photo::copies_dir(dir.path())).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        assert!(!name.starts_with('.'), "temp file left: {name}");
        assert!(name.starts_with(&hash[..32]), "{name}");
    }
}

/// Which copies are made is read from one listing of the copies folder and the copies
/// index (`cache/photo-copies`), not from each sidecar and file: the index alone is enough,
/// but it never hides a copy that is gone, and a damaged one only means reading sidecars.
#[test]
fn the_copies_index_is_enough_but_never_hides_a_missing_copy() {
    let (dir, gp) = class();
    let hash = gp
        .import_photo_file(&fixture("phone/jolla.jpg"))
        .unwrap()
        .hash;
    let hashes = std::slice::from_ref(&hash);
    let first = gp.ensure_copies(hashes).unwrap();
    let web = photo::copy_path(dir.path(), &hash, Size::Web);
    let thumb = photo::copy_path(dir.path(), &hash, Size::Thumb);
    let mtime = |p: &std::path::Path| std::fs::metadata(p).unwrap().modified().unwrap();
    let made = mtime(&web);

    // Without the sidecars, the index says what is made: nothing is made again.
    for e in std::fs::read_dir(photo::copies_dir(dir.path())).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "json") {
            std::fs::remove_file(p).unwrap();
        }
    }
    assert_eq!(gp.ensure_copies(hashes).unwrap()[0].copies, first[0].copies);
    assert_eq!(mtime(&web), made);

    // A copy deleted from the folder is made again, though the index knew it.
    std::fs::remove_file(&thumb).unwrap();
    assert_eq!(gp.ensure_copies(hashes).unwrap()[0].copies, first[0].copies);
    assert!(thumb.is_file());

    // A damaged index: the sidecars say what is made, and nothing is made again.
    let made = mtime(&web);
    let index = dir.path().join("cache").join("photo-copies");
    assert!(index.is_file());
    std::fs::write(&index, "goalpost-photo-copies 1\nnot a row\n").unwrap();
    assert_eq!(gp.ensure_copies(hashes).unwrap()[0].copies, first[0].copies);
    assert_eq!(mtime(&web), made);
}

#[test]
fn copies_report_their_real_pixel_sizes_and_names_from_the_hash() {
    let (dir, gp) = class();
    let mut hashes = Vec::new();
    for rel in importable_fixtures() {
        hashes.push(gp.import_photo_file(&fixture(&rel)).unwrap().hash);
    }
    let all = gp.ensure_copies(&hashes).unwrap();
    assert_eq!(all.len(), hashes.len());
    for (c, h) in all.iter().zip(&hashes) {
        assert_eq!(&c.hash, h, "in the order given");
        let sizes: Vec<_> = c.copies.iter().map(|ci| ci.size).collect();
        assert_eq!(sizes, Size::ALL);
        for ci in &c.copies {
            assert_eq!(ci.file_name, photo::copy_file_name(h, ci.size));
            let img = decode_rgb(&std::fs::read(photo::copy_path(dir.path(), h, ci.size)).unwrap());
            assert_eq!(img.dimensions(), (ci.width, ci.height), "{}", ci.file_name);
            assert!(ci.width.max(ci.height) <= ci.size.long_edge());
        }
    }
}

#[test]
fn hashes_that_could_name_other_files_are_refused() {
    let (_dir, gp) = class();
    for bad in ["../../etc/passwd", "", &"A".repeat(64), &"0".repeat(63)] {
        let e = gp.ensure_copies(&[bad.to_string()]).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Invalid, "{bad}");
    }
    let missing = "0".repeat(64);
    let e = gp.ensure_copies(&[missing]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
}

#[test]
fn png_with_transparency_and_orientation_free_formats_work() {
    let (_dir, gp) = class();
    let mut img = image::RgbaImage::new(30, 20);
    for (x, _, p) in img.enumerate_pixels_mut() {
        *p = if x < 15 {
            image::Rgba([0, 0, 0, 0])
        } else {
            image::Rgba([200, 10, 10, 255])
        };
    }
    let mut png = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let rec = gp.import_photo(&png, "drawing.png").unwrap();
    assert_eq!(
        (rec.format.as_str(), rec.width, rec.height),
        ("png", 30, 20)
    );
    let made = photo::make_copies(&png, "drawing.png", 90).unwrap();
    let web = decode_rgb(&made[0].jpeg);
    let left = *web.get_pixel(2, 10);
    assert!(
        left.0.iter().all(|&c| c > 240),
        "transparent becomes white: {left:?}"
    );
}
