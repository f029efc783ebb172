//! Making the web copies of a photo: the only pixels that ever leave the PC.
//!
//! One decode per photo, then a cascade: the stored pixels are resized once to the web
//! size (in the stored orientation, so the expensive step never touches a rotated
//! full-size copy), turned upright, and the email size and thumbnail are resized from that
//! upright web copy. Each copy is encoded anew as a baseline JPEG that holds nothing but
//! pixels: no EXIF, GPS, XMP, ICC profile, comment or file name can survive, because
//! nothing from the original's headers is ever written. Output is byte-deterministic for
//! the same input, settings and machine, which the blog relies on for unchanged rebuilds.

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use jpeg_encoder::{ColorType, Encoder};

use super::decode::{self, Decoded};
use super::Size;
use crate::error::{Error, Result};

/// Bumped whenever the way copies are made changes, so that cached copies are remade.
pub const RECIPE: u32 = 1;

/// One finished copy, still in memory.
pub struct Made {
    pub size: Size,
    pub width: u32,
    pub height: u32,
    pub jpeg: Vec<u8>,
}

/// The pixel size of a copy: the long edge brought down to `long_edge`, never enlarged,
/// the short edge rounded to the nearest pixel (at least 1).
pub fn copy_dims(width: u32, height: u32, long_edge: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= long_edge || long == 0 {
        return (width, height);
    }
    let scale = |v: u32| -> u32 {
        let scaled = (u64::from(v) * u64::from(long_edge) + u64::from(long) / 2) / u64::from(long);
        (scaled as u32).max(1)
    };
    if width >= height {
        (long_edge, scale(height))
    } else {
        (scale(width), long_edge)
    }
}

/// Decodes a photo and makes its three copies (web, email, thumbnail), in that order.
pub fn make_copies(bytes: &[u8], name: &str, quality: u8) -> Result<Vec<Made>> {
    let decoded = decode::decode_for_copies(bytes, name, Size::Web.long_edge())?;
    copies_of(decoded, name, quality)
}

/// Makes the three copies of decoded pixels; consumes them so the full-size buffer is freed
/// as soon as the web size exists.
pub fn copies_of(d: Decoded, name: &str, quality: u8) -> Result<Vec<Made>> {
    let (uw, uh) = d.upright_size();
    let mut resizer = Resizer::new();
    // The web size, resized in the stored orientation and then turned upright.
    let (ww, wh) = copy_dims(uw, uh, Size::Web.long_edge());
    let (sw, sh) = decode::upright(ww, wh, d.orientation);
    let stored = resize(&mut resizer, &d.rgb, d.width, d.height, sw, sh, name)?;
    drop(d.rgb);
    let web = orient(&stored, sw, sh, d.orientation);
    drop(stored);
    let mut out = Vec::with_capacity(3);
    let mut prev = (web, ww, wh);
    for size in Size::ALL {
        let (tw, th) = copy_dims(uw, uh, size.long_edge());
        let pixels = if (tw, th) == (prev.1, prev.2) {
            prev.0
        } else {
            resize(&mut resizer, &prev.0, prev.1, prev.2, tw, th, name)?
        };
        out.push(Made {
            size,
            width: tw,
            height: th,
            jpeg: encode(&pixels, tw, th, quality, name)?,
        });
        prev = (pixels, tw, th);
    }
    Ok(out)
}

fn resize(
    resizer: &mut Resizer,
    rgb: &[u8],
    w: u32,
    h: u32,
    tw: u32,
    th: u32,
    name: &str,
) -> Result<Vec<u8>> {
    if (w, h) == (tw, th) {
        return Ok(rgb.to_vec());
    }
    let fail = |e: &dyn std::fmt::Display| {
        Error::Photo(format!(
            "could not resize {name} ({e}): please report this photo"
        ))
    };
    let src = ImageRef::new(w, h, rgb, PixelType::U8x3).map_err(|e| fail(&e))?;
    let mut dst = Image::new(tw, th, PixelType::U8x3);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    resizer
        .resize(&src, &mut dst, &options)
        .map_err(|e| fail(&e))?;
    Ok(dst.into_vec())
}

/// Turns stored RGB pixels (`w` x `h`) upright according to an EXIF orientation.
pub fn orient(rgb: &[u8], w: u32, h: u32, orientation: u8) -> Vec<u8> {
    if !(2..=8).contains(&orientation) {
        return rgb.to_vec();
    }
    let (w, h) = (w as usize, h as usize);
    let (uw, uh) = if orientation >= 5 { (h, w) } else { (w, h) };
    let mut out = vec![0u8; rgb.len()];
    for dy in 0..uh {
        let row = &mut out[dy * uw * 3..(dy + 1) * uw * 3];
        for (dx, px) in row.chunks_exact_mut(3).enumerate() {
            // Where the pixel shown at (dx, dy) is stored.
            let (sx, sy) = match orientation {
                2 => (w - 1 - dx, dy),
                3 => (w - 1 - dx, h - 1 - dy),
                4 => (dx, h - 1 - dy),
                5 => (dy, dx),
                6 => (dy, h - 1 - dx),
                7 => (w - 1 - dy, h - 1 - dx),
                _ => (w - 1 - dy, dx),
            };
            let s = (sy * w + sx) * 3;
            px.copy_from_slice(&rgb[s..s + 3]);
        }
    }
    out
}

fn encode(rgb: &[u8], w: u32, h: u32, quality: u8, name: &str) -> Result<Vec<u8>> {
    let (Ok(w16), Ok(h16)) = (u16::try_from(w), u16::try_from(h)) else {
        return Err(Error::Photo(format!(
            "could not encode a copy of {name}: {w}x{h} is too large for JPEG"
        )));
    };
    let mut out = Vec::with_capacity(rgb.len() / 8);
    let mut enc = Encoder::new(&mut out, quality);
    // The standard Huffman tables, not optimised ones: with jpeg-encoder 0.6's optimised
    // tables, zune-jpeg 0.5 (and so the `image` crate) decodes some copies as stripes,
    // while libjpeg reads them fine. Copies must look right in every reader; the tests
    // compare two independent decoders on them.
    enc.set_optimized_huffman_tables(false);
    enc.encode(rgb, w16, h16, ColorType::Rgb).map_err(|e| {
        Error::Photo(format!(
            "could not encode a copy of {name} ({e}): please report this photo"
        ))
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_dims_never_enlarges_and_keeps_aspect() {
        assert_eq!(copy_dims(4032, 3024, 1600), (1600, 1200));
        assert_eq!(copy_dims(3024, 4032, 400), (300, 400));
        assert_eq!(copy_dims(800, 600, 1600), (800, 600));
        assert_eq!(copy_dims(10000, 3, 400), (400, 1));
    }

    #[test]
    fn orientations_map_corners_like_exif_says() {
        // A 2x1 stored image: red then blue. Orientation 6 shows it rotated 90° clockwise:
        // 1 wide, 2 tall, red on top.
        let rgb = [255, 0, 0, 0, 0, 255];
        assert_eq!(orient(&rgb, 2, 1, 6), [255, 0, 0, 0, 0, 255]);
        // Orientation 8 (rotated 270° clockwise): blue on top.
        assert_eq!(orient(&rgb, 2, 1, 8), [0, 0, 255, 255, 0, 0]);
        assert_eq!(orient(&rgb, 2, 1, 2), [0, 0, 255, 255, 0, 0]);
        assert_eq!(orient(&rgb, 2, 1, 1), rgb);
    }
}
