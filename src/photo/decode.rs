//! Reading camera files into pixels, safely.
//!
//! This is the only place that hands untrusted bytes to an image decoder. Every limit is
//! checked from the file's header, before the decoder allocates anything large: the file
//! size, 12,000 px a side, 100 megapixels, and the decoder's own claimed output size
//! against [`MAX_DECODE_BYTES`] (image's `Limits::max_alloc` alone is not enforced on the
//! `into_decoder()` path that reading the orientation needs, so we check `total_bytes()`
//! ourselves). JPEG, the format of nearly every camera, goes through `zune-jpeg` (fast,
//! tolerant of damaged data); PNG and WebP through `image`. Everything comes out as 8-bit
//! RGB in the stored orientation, plus the EXIF orientation to apply; colour profiles are
//! ignored and the pixels treated as sRGB. Nothing here writes files.

use std::io::Cursor;

use image::{ImageDecoder, ImageFormat};
use zune_jpeg::zune_core::bytestream::ZCursor;
use zune_jpeg::zune_core::colorspace::ColorSpace;
use zune_jpeg::zune_core::options::DecoderOptions;
use zune_jpeg::JpegDecoder;

use super::{jpeg, MAX_FILE_BYTES, MAX_PIXELS, MAX_SIDE};
use crate::error::{Error, Result};

/// The most memory a decoder may ask for its output (and conversion to RGB) of one photo.
pub const MAX_DECODE_BYTES: u64 = 512 * 1024 * 1024;

/// The formats Goalpost takes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jpeg,
    Png,
    Webp,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Jpeg => "jpeg",
            Format::Png => "png",
            Format::Webp => "webp",
        }
    }
}

/// A decoded photo: tightly packed 8-bit RGB rows in the stored orientation.
pub struct Decoded {
    pub format: Format,
    /// The pixels' size, which is smaller than the file's when decoded at a DCT scale.
    pub width: u32,
    pub height: u32,
    /// The size stored in the file (before any orientation).
    pub full_width: u32,
    pub full_height: u32,
    /// EXIF orientation 1..=8 (1 when absent or invalid): how to turn the pixels upright.
    pub orientation: u8,
    pub rgb: Vec<u8>,
}

impl Decoded {
    /// The file's size as the picture is meant to be seen (after the orientation).
    pub fn upright_size(&self) -> (u32, u32) {
        upright(self.full_width, self.full_height, self.orientation)
    }
}

/// Width and height after applying an EXIF orientation: 5 to 8 swap the sides.
pub fn upright(width: u32, height: u32, orientation: u8) -> (u32, u32) {
    if (5..=8).contains(&orientation) {
        (height, width)
    } else {
        (width, height)
    }
}

/// Identifies the format from the first bytes; everything else is refused with a message
/// that says what the file seems to be and what to do.
pub fn sniff(bytes: &[u8], name: &str) -> Result<Format> {
    if bytes.is_empty() {
        return Err(Error::Photo(format!(
            "{name} is empty (0 bytes): take the photo again or choose another file"
        )));
    }
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_big_file(name, bytes.len() as u64));
    }
    match image::guess_format(bytes) {
        Ok(ImageFormat::Jpeg) if bytes.len() >= 3 && bytes[2] == 0xFF => Ok(Format::Jpeg),
        Ok(ImageFormat::Png) => Ok(Format::Png),
        Ok(ImageFormat::WebP) => Ok(Format::Webp),
        _ => Err(not_an_image(name, bytes)),
    }
}

pub(crate) fn too_big_file(name: &str, len: u64) -> Error {
    Error::Photo(format!(
        "{name} is {:.1} MB: the largest photo Goalpost takes is {} MB; export a smaller JPEG (for example with the phone's \"share as smaller size\")",
        len as f64 / (1024.0 * 1024.0),
        MAX_FILE_BYTES / (1024 * 1024)
    ))
}

fn not_an_image(name: &str, bytes: &[u8]) -> Error {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(1024)]).to_lowercase();
    let text = head.trim_start_matches('\u{feff}').trim_start();
    if text.starts_with('<')
        || head.contains("<svg")
        || head.contains("<html")
        || head.contains("<!doctype")
        || head.contains("<script")
    {
        return Error::Photo(format!(
            "{name} is a web page or drawing (HTML/SVG), not a photo: choose a JPEG or PNG photo"
        ));
    }
    if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        let brand = &bytes[8..12];
        if brand == b"avif" || brand == b"avis" {
            return Error::Photo(format!(
                "{name} is an AVIF picture, which Goalpost does not read: export or share it as JPEG, then add that file"
            ));
        }
        if [
            b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1",
        ]
        .iter()
        .any(|b| brand == *b)
        {
            return Error::Photo(format!(
                "{name} is a HEIF/HEIC photo, which Goalpost does not read: on an iPhone choose Settings > Camera > Formats > Most Compatible (or share the photo by mail, which sends a JPEG); on Android turn off \"HEIF\" in the camera settings; or open it and export it as JPEG, then add that file"
            ));
        }
        return Error::Photo(format!(
            "{name} is a video or other media file, not a photo: choose a JPEG or PNG photo"
        ));
    }
    Error::Photo(format!(
        "{name} is not a photo Goalpost can read: choose a JPEG, PNG or WebP file"
    ))
}

fn damaged(name: &str, detail: impl std::fmt::Display) -> Error {
    // Decoder messages may span lines; a refusal is one line, so keep the gist only.
    let detail = detail.to_string();
    let mut detail = detail.split_whitespace().collect::<Vec<_>>().join(" ");
    if let Some((cut, _)) = detail.char_indices().nth(100) {
        detail.truncate(cut);
        detail.push_str("...");
    }
    Error::Photo(format!(
        "{name} is damaged or cut short ({detail}): take the photo again or choose another file"
    ))
}

/// Refuses sizes over the limits; called with the header's numbers, before decoding.
pub fn check_size(name: &str, width: u32, height: u32) -> Result<()> {
    if width == 0 || height == 0 {
        return Err(damaged(name, format!("it claims {width}x{height} pixels")));
    }
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(Error::Photo(format!(
            "{name} is {width}x{height} pixels: the most Goalpost takes is {MAX_SIDE} pixels a side and {} megapixels; export a smaller copy",
            MAX_PIXELS / 1_000_000
        )));
    }
    Ok(())
}

fn check_memory(name: &str, width: u32, height: u32, bytes: u64) -> Result<()> {
    if bytes > MAX_DECODE_BYTES {
        return Err(Error::Photo(format!(
            "{name} ({width}x{height}) would need {} MB of memory to open, more than Goalpost allows ({} MB): export it as an ordinary 8-bit JPEG",
            bytes / (1024 * 1024),
            MAX_DECODE_BYTES / (1024 * 1024)
        )));
    }
    Ok(())
}

/// A zeroed buffer, or a clear error instead of an abort when memory is short.
fn alloc(name: &str, len: usize) -> Result<Vec<u8>> {
    let mut v = Vec::new();
    v.try_reserve_exact(len).map_err(|_| {
        Error::Photo(format!(
            "there is not enough free memory to open {name}: close other programs and try again"
        ))
    })?;
    v.resize(len, 0);
    Ok(v)
}

/// Decodes a photo into RGB pixels after all the checks above.
pub fn decode(bytes: &[u8], name: &str) -> Result<Decoded> {
    match sniff(bytes, name)? {
        Format::Jpeg => decode_jpeg(bytes, name),
        f @ (Format::Png | Format::Webp) => decode_other(bytes, name, f),
    }
}

/// Decodes for making copies whose largest has `long_edge` pixels: a JPEG at least twice
/// that size is decoded at 1/2, 1/4 or 1/8 scale in the DCT domain (as libjpeg's
/// shrink-on-load does), which needs a quarter of the memory or less and skips most of the
/// inverse DCT and colour conversion. Anything the scaled decoder cannot read goes through
/// the full decoder instead, which is more tolerant of damage.
pub fn decode_for_copies(bytes: &[u8], name: &str, long_edge: u32) -> Result<Decoded> {
    if sniff(bytes, name)? == Format::Jpeg {
        if let Some(d) = decode_jpeg_scaled(bytes, name, long_edge)? {
            return Ok(d);
        }
    }
    decode(bytes, name)
}

fn decode_jpeg_scaled(bytes: &[u8], name: &str, long_edge: u32) -> Result<Option<Decoded>> {
    let Some((width, height)) = jpeg::frame_size(bytes) else {
        return Ok(None);
    };
    check_size(name, width, height)?;
    if width.max(height) < long_edge.saturating_mul(2) {
        return Ok(None);
    }
    let (tw, th) = super::copy_dims(width, height, long_edge);
    // jpeg-decoder is only ever given files that passed the checks above (and, at import,
    // a full decode); a panic on some exotic header is still caught and answered by the
    // full decoder rather than taking the program down.
    let run = std::panic::catch_unwind(|| -> Option<(u32, u32, Vec<u8>, u8)> {
        let mut dec = jpeg_decoder::Decoder::new(bytes);
        dec.set_max_decoding_buffer_size(MAX_DECODE_BYTES as usize);
        dec.read_info().ok()?;
        let info = dec.info()?;
        if info.pixel_format != jpeg_decoder::PixelFormat::RGB24 {
            return None;
        }
        let (sw, sh) = dec
            .scale(u16::try_from(tw).ok()?, u16::try_from(th).ok()?)
            .ok()?;
        let rgb = dec.decode().ok()?;
        let orientation = jpeg::exif(bytes).map_or(1, exif_orientation);
        (rgb.len() == usize::from(sw) * usize::from(sh) * 3).then_some((
            u32::from(sw),
            u32::from(sh),
            rgb,
            orientation,
        ))
    });
    Ok(match run {
        Ok(Some((sw, sh, rgb, orientation))) => Some(Decoded {
            format: Format::Jpeg,
            width: sw,
            height: sh,
            full_width: width,
            full_height: height,
            orientation,
            rgb,
        }),
        _ => None,
    })
}

/// The EXIF orientation in raw EXIF data (starting at the TIFF header); 1 when absent or
/// unreadable, since a damaged EXIF block must not stop an otherwise good photo.
pub fn exif_orientation(exif: &[u8]) -> u8 {
    let Ok(parsed) = exif::Reader::new().read_raw(exif.to_vec()) else {
        return 1;
    };
    parsed
        .get_field(exif::Tag::Orientation, exif::In::PRIMARY)
        .and_then(|f| f.value.get_uint(0))
        .filter(|o| (1..=8).contains(o))
        .map_or(1, |o| o as u8)
}

fn decode_jpeg(bytes: &[u8], name: &str) -> Result<Decoded> {
    let options = DecoderOptions::default()
        .set_max_width(MAX_SIDE as usize)
        .set_max_height(MAX_SIDE as usize)
        .set_strict_mode(false)
        .jpeg_set_out_colorspace(ColorSpace::RGB);
    let mut dec = JpegDecoder::new_with_options(ZCursor::new(bytes), options);
    if let Err(e) = dec.decode_headers() {
        // The size limits are reported by the decoder as an error: read the size ourselves
        // to give the limits message rather than "damaged".
        if let Some((w, h)) = jpeg::frame_size(bytes) {
            check_size(name, w, h)?;
        }
        return Err(damaged(name, e));
    }
    let (width, height) = dec
        .dimensions()
        .map(|(w, h)| (w as u32, h as u32))
        .ok_or_else(|| damaged(name, "no size in its header"))?;
    check_size(name, width, height)?;
    let need = dec
        .output_buffer_size()
        .ok_or_else(|| damaged(name, "impossible size"))?;
    check_memory(name, width, height, need as u64)?;
    if !jpeg::has_end(bytes) {
        return Err(damaged(name, "the end of the picture is missing"));
    }
    let orientation = jpeg::exif(bytes).map_or(1, exif_orientation);
    let mut rgb = alloc(name, need)?;
    dec.decode_into(&mut rgb).map_err(|e| damaged(name, e))?;
    Ok(Decoded {
        format: Format::Jpeg,
        width,
        height,
        full_width: width,
        full_height: height,
        orientation,
        rgb,
    })
}

fn decode_other(bytes: &[u8], name: &str, format: Format) -> Result<Decoded> {
    let image_format = match format {
        Format::Png => ImageFormat::Png,
        _ => ImageFormat::WebP,
    };
    let mut reader = image::ImageReader::with_format(Cursor::new(bytes), image_format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let mut dec = reader.into_decoder().map_err(|e| match e {
        image::ImageError::Limits(_) => Error::Photo(format!(
            "{name} is too large to open: Goalpost takes at most {MAX_SIDE} pixels a side and {} MB of memory per photo; export a smaller JPEG",
            MAX_DECODE_BYTES / (1024 * 1024)
        )),
        e => damaged(name, e),
    })?;
    let (width, height) = dec.dimensions();
    check_size(name, width, height)?;
    // The decoder's own claim of what it will allocate, plus the RGB copy we make of it.
    let rgb_len = u64::from(width) * u64::from(height) * 3;
    let claimed = dec.total_bytes();
    let rgb_direct = dec.color_type() == image::ColorType::Rgb8;
    check_memory(
        name,
        width,
        height,
        claimed.saturating_add(if rgb_direct { 0 } else { rgb_len }),
    )?;
    let orientation = dec.orientation().map_or(1, |o| o.to_exif());
    let img = image::DynamicImage::from_decoder(dec).map_err(|e| damaged(name, e))?;
    let rgb = if img.color().has_alpha() {
        flatten_on_white(img.into_rgba8().as_raw())
    } else {
        img.into_rgb8().into_raw()
    };
    Ok(Decoded {
        format,
        width,
        height,
        full_width: width,
        full_height: height,
        orientation,
        rgb,
    })
}

/// Transparent parts of a PNG become white (as on a page), not black.
fn flatten_on_white(rgba: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(rgba.len() / 4 * 3);
    for px in rgba.chunks_exact(4) {
        let a = u32::from(px[3]);
        for &c in &px[..3] {
            out.push(((u32::from(c) * a + 255 * (255 - a) + 127) / 255) as u8);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upright_swaps_for_rotations_only() {
        assert_eq!(upright(40, 30, 1), (40, 30));
        assert_eq!(upright(40, 30, 3), (40, 30));
        for o in 5..=8 {
            assert_eq!(upright(40, 30, o), (30, 40));
        }
    }

    #[test]
    fn flattening_puts_transparency_on_white() {
        assert_eq!(
            flatten_on_white(&[0, 0, 0, 0, 10, 20, 30, 255]),
            [255, 255, 255, 10, 20, 30]
        );
    }
}
