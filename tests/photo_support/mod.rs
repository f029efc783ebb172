//! Helpers shared by the photo tests: where the real camera files are, hostile inputs made
//! at test time, and independent checks of what a copy contains.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};

/// The real camera files kept in the repository (`tests/fixtures/photos`; their sources
/// and licences are in its README). Never written to.
pub fn fixtures() -> PathBuf {
    crate::common::fixtures().join("photos")
}

/// One of them, e.g. `fixture("gps/DSCN0010.jpg")`.
pub fn fixture(rel: &str) -> PathBuf {
    crate::common::photo(rel)
}

pub fn read_fixture(rel: &str) -> Vec<u8> {
    std::fs::read(fixture(rel)).unwrap_or_else(|e| panic!("read fixture {rel}: {e}"))
}

/// Every real camera file that must import, relative to the fixtures folder.
pub fn importable_fixtures() -> Vec<String> {
    let mut v = Vec::new();
    for kind in ["landscape", "portrait"] {
        for o in 1..=8 {
            v.push(format!("orientation/{kind}_{o}.jpg"));
        }
    }
    v.push("gps/DSCN0010.jpg".into());
    v.push("gps/DSCN0021.jpg".into());
    v.push("phone/jolla.jpg".into());
    v.push("broken/image00971.jpg".into());
    v
}

/// Decodes a JPEG copy with the `image` crate into RGB8.
pub fn decode_rgb(bytes: &[u8]) -> image::RgbImage {
    image::load_from_memory_with_format(bytes, image::ImageFormat::Jpeg)
        .expect("a copy decodes")
        .into_rgb8()
}

/// Mean absolute difference per channel (0..255) of two images of the same size.
pub fn mean_abs_diff(a: &image::RgbImage, b: &image::RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions(), "sizes differ");
    let sum: u64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(x, y)| u64::from(x.abs_diff(*y)))
        .sum();
    sum as f64 / a.as_raw().len() as f64
}

/// Checks with independent readers that a JPEG copy holds no metadata at all: only its
/// own JFIF header. Panics with what was found.
pub fn assert_no_metadata(bytes: &[u8], what: &str) {
    // 1. The JPEG's own segments: only APP0 JFIF, tables, frame and scan.
    let mut i = 2;
    assert_eq!(&bytes[..2], [0xFF, 0xD8], "{what}: not a JPEG");
    while i + 4 <= bytes.len() {
        assert_eq!(bytes[i], 0xFF, "{what}: bad marker at {i}");
        let m = bytes[i + 1];
        if m == 0xDA {
            break;
        }
        let len = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
        match m {
            0xE0 => assert!(
                bytes[i + 4..].starts_with(b"JFIF\0"),
                "{what}: APP0 that is not JFIF"
            ),
            0xE1..=0xEF => panic!("{what}: has an APP{} segment (EXIF/XMP/ICC/...)", m - 0xE0),
            0xFE => panic!("{what}: has a comment segment"),
            _ => {}
        }
        i += 2 + len;
    }
    let header = &bytes[..i.min(bytes.len())];
    // 2. A Rust EXIF reader finds nothing.
    let exif = exif::Reader::new().read_from_container(&mut std::io::Cursor::new(bytes));
    if let Ok(found) = exif {
        let tags: Vec<String> = found.fields().map(|f| f.tag.to_string()).collect();
        panic!("{what}: kamadak-exif found EXIF: {tags:?}");
    }
    // 3. Words that metadata blocks carry appear nowhere in the headers; the longer ones
    // nowhere in the file (short ones could occur by chance in compressed data).
    for needle in [
        &b"Exif\0"[..],
        b"GPS",
        b"NIKON",
        b"COOLPIX",
        b"Jolla",
        b"http://ns.adobe.com",
        b"ICC_PROFILE",
        b"DSCN",
        b".jpg",
    ] {
        let hay = if needle.len() >= 5 { bytes } else { header };
        assert!(
            !hay.windows(needle.len()).any(|w| w == needle),
            "{what}: contains {:?}",
            String::from_utf8_lossy(needle)
        );
    }
}

/// Runs exiftool (Debian `libimage-exiftool-perl`) on files and returns, per file, the
/// metadata groups it found other than the file system's and the JPEG's own structure.
pub fn exiftool_groups(files: &[PathBuf]) -> Vec<(PathBuf, Vec<String>)> {
    let out = std::process::Command::new("exiftool")
        .args(["-j", "-a", "-G1", "-u", "-n"])
        .args(files)
        .output()
        .expect(
            "exiftool is needed for the metadata tests: apt-get install libimage-exiftool-perl",
        );
    assert!(
        out.status.success() || !out.stdout.is_empty(),
        "exiftool failed"
    );
    let parsed: Vec<serde_json::Map<String, serde_json::Value>> =
        serde_json::from_slice(&out.stdout).expect("exiftool -j gives JSON");
    files
        .iter()
        .zip(parsed)
        .map(|(f, tags)| {
            let mut groups: Vec<String> = tags
                .keys()
                .filter_map(|k| k.split_once(':').map(|(g, _)| g.to_string()))
                .filter(|g| {
                    !["ExifTool", "System", "File", "JFIF", "Composite"].contains(&g.as_str())
                })
                .collect();
            groups.sort();
            groups.dedup();
            (f.clone(), groups)
        })
        .collect()
}

/// A noisy RGB test picture, as a JPEG with an EXIF orientation, made here.
pub fn noisy_jpeg(width: u32, height: u32, seed: u32) -> Vec<u8> {
    let mut s = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        let n = (s & 31) as u8;
        image::Rgb([
            ((x * 255 / width.max(1)) as u8).saturating_add(n),
            ((y * 255 / height.max(1)) as u8).saturating_add(n),
            (((x + y) % 200) as u8).saturating_add(n),
        ])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&img)
        .expect("encode test JPEG");
    out
}

/// A PNG made of `width` x `height` zero pixels, streamed so it is never held in memory:
/// a decompression bomb when the size is large.
pub fn zero_png(path: &Path, width: u32, height: u32, color: png::ColorType, depth: png::BitDepth) {
    let file = std::io::BufWriter::new(std::fs::File::create(path).expect("create png"));
    let mut enc = png::Encoder::new(file, width, height);
    enc.set_color(color);
    enc.set_depth(depth);
    enc.set_compression(png::Compression::Fast);
    let mut w = enc.write_header().expect("png header");
    let mut stream = w.stream_writer().expect("png stream");
    let samples = match color {
        png::ColorType::Grayscale => 1,
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        png::ColorType::GrayscaleAlpha => 2,
        png::ColorType::Indexed => 1,
    };
    let bytes_per_sample = if depth == png::BitDepth::Sixteen {
        2
    } else {
        1
    };
    let row = vec![0u8; width as usize * samples * bytes_per_sample];
    for _ in 0..height {
        stream.write_all(&row).expect("png row");
    }
    stream.finish().expect("png finish");
}

/// A PNG whose header claims `width` x `height` but holds almost no data.
pub fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let mut h = crc32fast::Hasher::new();
        h.update(kind);
        h.update(data);
        out.extend_from_slice(&h.finalize().to_be_bytes());
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    // A tiny valid zlib stream of a few zero bytes.
    chunk(
        &mut out,
        b"IDAT",
        &[0x78, 0x9C, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01],
    );
    chunk(&mut out, b"IEND", &[]);
    out
}

/// A real JPEG whose frame header is changed to claim `width` x `height`.
pub fn jpeg_claiming(width: u16, height: u16) -> Vec<u8> {
    let mut j = noisy_jpeg(64, 48, 7);
    let mut i = 2;
    while i + 9 <= j.len() {
        let m = j[i + 1];
        let len = usize::from(u16::from_be_bytes([j[i + 2], j[i + 3]]));
        if m == 0xC0 || m == 0xC2 {
            j[i + 5..i + 7].copy_from_slice(&height.to_be_bytes());
            j[i + 7..i + 9].copy_from_slice(&width.to_be_bytes());
            return j;
        }
        i += 2 + len;
    }
    panic!("no frame header in test JPEG");
}

/// The same JPEG with its EXIF blocks replaced by one that holds only
/// `Orientation = orientation`, right after the start marker.
pub fn with_orientation(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
    tiff.extend_from_slice(&1u16.to_be_bytes()); // one entry
    tiff.extend_from_slice(&0x0112u16.to_be_bytes()); // Orientation
    tiff.extend_from_slice(&3u16.to_be_bytes()); // SHORT
    tiff.extend_from_slice(&1u32.to_be_bytes()); // count
    tiff.extend_from_slice(&orientation.to_be_bytes());
    tiff.extend_from_slice(&[0, 0]);
    tiff.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&app1);
    let mut i = 2;
    while jpeg[i + 1] != 0xDA {
        let len = usize::from(u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]));
        let seg = &jpeg[i..i + 2 + len];
        if !(seg[1] == 0xE1 && seg[4..].starts_with(b"Exif\0\0")) {
            out.extend_from_slice(seg);
        }
        i += 2 + len;
    }
    out.extend_from_slice(&jpeg[i..]);
    out
}
