//! The one reader of a JPEG's header: a walk over its marker segments up to the first scan.
//!
//! The decoders read headers too, but each of these questions must be answered before (or
//! instead of) decoding: how large the picture is (to refuse a huge one before allocating,
//! and for the blog's `<img>` sizes without reading whole files), where its EXIF block is
//! (for the orientation), and whether its image data ends (a file cut short would otherwise
//! be filled with grey). Every answer comes from [`Segments`], so a damaged header is read
//! the same way by each.

use std::io::Read;
use std::path::Path;

/// Start of image.
const SOI: u8 = 0xD8;
/// End of image.
const EOI: u8 = 0xD9;
/// Start of scan: the entropy-coded image data follows its header.
const SOS: u8 = 0xDA;
/// APP1, where EXIF lives.
const APP1: u8 = 0xE1;

/// One marker segment before the image data.
#[derive(Debug, Clone, Copy)]
pub struct Segment<'a> {
    pub marker: u8,
    /// The segment's body (after its length field), cut short if the bytes end first.
    pub body: &'a [u8],
    /// Where the segment ends (and the next one, or the scan's data, starts): may lie past
    /// the end of the bytes when they are cut short.
    pub end: usize,
}

impl Segment<'_> {
    /// A frame header (SOF0 to SOF15 but DHT, JPG and DAC), which holds the picture's size.
    pub fn is_frame(&self) -> bool {
        matches!(self.marker, 0xC0..=0xCF) && !matches!(self.marker, 0xC4 | 0xC8 | 0xCC)
    }
}

/// The marker segments of a JPEG from its start up to and including the first scan's
/// header (SOS). Stops early, yielding nothing more, at anything that is not a well-formed
/// segment: no start marker, a byte where a marker should be, an end of image before any
/// scan, a length under 2, or bytes that end inside a marker.
pub struct Segments<'a> {
    bytes: &'a [u8],
    at: usize,
    done: bool,
    /// The walk stopped because the bytes ended, not because they were wrong.
    ran_out: bool,
}

impl<'a> Segments<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        let jpeg = bytes.len() >= 2 && bytes[0] == 0xFF && bytes[1] == SOI;
        Segments {
            bytes,
            at: 2,
            done: !jpeg,
            ran_out: bytes.len() < 2,
        }
    }
}

impl<'a> Iterator for Segments<'a> {
    type Item = Segment<'a>;

    fn next(&mut self) -> Option<Segment<'a>> {
        if self.done {
            return None;
        }
        let b = self.bytes;
        let stop = |s: &mut Self, ran_out: bool| {
            s.done = true;
            s.ran_out = ran_out;
            None
        };
        loop {
            let i = self.at;
            if i + 2 > b.len() {
                return stop(self, true);
            }
            if b[i] != 0xFF {
                return stop(self, false);
            }
            let marker = b[i + 1];
            match marker {
                // A fill byte before a marker.
                0xFF => self.at += 1,
                // Markers without a length.
                0x01 | 0xD0..=0xD7 => self.at += 2,
                EOI => return stop(self, false),
                _ => {
                    if i + 4 > b.len() {
                        return stop(self, true);
                    }
                    let len = usize::from(u16::from_be_bytes([b[i + 2], b[i + 3]]));
                    if len < 2 {
                        return stop(self, false);
                    }
                    let end = i + 2 + len;
                    let body = &b[i + 4..end.min(b.len())];
                    self.at = end;
                    self.done = marker == SOS;
                    return Some(Segment { marker, body, end });
                }
            }
        }
    }
}

/// The picture's size (width, height) from its frame header, as written there (either may
/// be 0 in a damaged file).
pub fn frame_size(bytes: &[u8]) -> Option<(u32, u32)> {
    Segments::new(bytes)
        .find(Segment::is_frame)
        .and_then(|s| size_in_frame(s.body))
}

fn size_in_frame(body: &[u8]) -> Option<(u32, u32)> {
    let h = body.get(1..5)?;
    let height = u32::from(u16::from_be_bytes([h[0], h[1]]));
    let width = u32::from(u16::from_be_bytes([h[2], h[3]]));
    Some((width, height))
}

/// The pixel size of the JPEG file at `path`, from its frame header, reading only the
/// bytes before it (usually one read of a few kilobytes): `image::image_dimensions` reads
/// the whole file, and the blog asks for the size of every photo copy at every build.
/// `None` when the file cannot be read, is no JPEG, or has no size in its header.
pub fn file_frame_size(path: &Path) -> Option<(u32, u32)> {
    let mut f = std::fs::File::open(path).ok()?;
    let mut buf = Vec::new();
    let mut want = 4096;
    loop {
        let have = buf.len();
        (&mut f)
            .take((want - have) as u64)
            .read_to_end(&mut buf)
            .ok()?;
        let at_end = buf.len() < want;
        let mut segs = Segments::new(&buf);
        match segs.by_ref().find(Segment::is_frame) {
            Some(s) => match size_in_frame(s.body) {
                Some(size) => return Some(size).filter(|&(w, h)| w > 0 && h > 0),
                // The frame header itself is cut short: read on, if there is more.
                None if at_end => return None,
                None => {}
            },
            None if !segs.ran_out || at_end => return None,
            None => {}
        }
        want = want.saturating_mul(4);
    }
}

/// The first EXIF block of a JPEG (from its TIFF header on), as most readers take it;
/// decoders disagree on which one counts when a file has several.
pub fn exif(bytes: &[u8]) -> Option<&[u8]> {
    Segments::new(bytes)
        .find(|s| s.marker == APP1 && s.body.starts_with(b"Exif\0\0"))
        .map(|s| &s.body[6..])
}

/// Whether the JPEG's image data ends with an end-of-image marker. A file cut short (an
/// interrupted copy or upload) has none after its first scan; the decoder would quietly
/// fill the missing part with grey, so it is refused instead. The segments are walked to
/// the first scan, so that the end marker of an EXIF thumbnail (inside APP1) does not count.
pub fn has_end(bytes: &[u8]) -> bool {
    Segments::new(bytes)
        .find(|s| s.marker == SOS)
        .is_some_and(|s| {
            // In entropy-coded data a 0xFF byte is always followed by 0x00 or a restart
            // marker, so FF D9 can only be a real end marker.
            bytes[s.end.min(bytes.len())..]
                .windows(2)
                .any(|w| w == [0xFF, EOI])
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn end_marker_inside_exif_thumbnail_does_not_count() {
        // SOI, APP1 holding FF D9, SOS with data but no end.
        let mut j = vec![0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x06, 0xFF, 0xD9, 0x00, 0x00];
        j.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x02, 0x12, 0x34]);
        assert!(!has_end(&j));
        j.extend_from_slice(&[0xFF, 0xD9]);
        assert!(has_end(&j));
    }

    #[test]
    fn jpeg_sizes_come_from_the_frame_header() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.jpg");
        image::RgbImage::new(37, 21).save(&p).unwrap();
        assert_eq!(file_frame_size(&p), Some((37, 21)));
        assert_eq!(frame_size(&std::fs::read(&p).unwrap()), Some((37, 21)));
        std::fs::write(&p, b"not a jpeg").unwrap();
        assert_eq!(file_frame_size(&p), None);
        std::fs::write(&p, [0xFF, 0xD8, 0xFF, 0xE0, 0x00]).unwrap();
        assert_eq!(file_frame_size(&p), None);
        assert_eq!(file_frame_size(&dir.path().join("missing.jpg")), None);
    }

    /// A header longer than the first read (a large APP segment before the frame, as a
    /// camera's EXIF block with a thumbnail makes) is read on to the frame.
    #[test]
    fn a_frame_after_a_large_segment_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let small = dir.path().join("small.jpg");
        image::RgbImage::new(300, 200).save(&small).unwrap();
        let bytes = std::fs::read(&small).unwrap();
        let mut big = bytes[..2].to_vec();
        big.extend_from_slice(&[0xFF, 0xE1, 0xFF, 0xF0]);
        big.extend(std::iter::repeat_n(0x55, 0xFFF0 - 2));
        big.extend_from_slice(&bytes[2..]);
        let p = dir.path().join("big.jpg");
        std::fs::write(&p, &big).unwrap();
        assert_eq!(file_frame_size(&p), Some((300, 200)));
        // Cut inside the large segment: no size, and no endless reading.
        std::fs::write(&p, &big[..30_000]).unwrap();
        assert_eq!(file_frame_size(&p), None);
    }

    #[test]
    fn fill_bytes_and_standalone_markers_are_stepped_over() {
        // SOI, fill bytes, RST0, then SOF0 for 5x3.
        let j = [
            0xFF, 0xD8, 0xFF, 0xFF, 0xFF, 0xD0, 0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x03, 0x00,
            0x05, 0x01, 0x01, 0x11, 0x00,
        ];
        assert_eq!(frame_size(&j), Some((5, 3)));
        // An end of image before any frame, or a length under 2, ends the walk.
        assert_eq!(frame_size(&[0xFF, 0xD8, 0xFF, 0xD9, 0xFF, 0xC0]), None);
        assert_eq!(
            frame_size(&[0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x01, 0, 0, 3, 0, 5]),
            None
        );
    }

    #[test]
    fn exif_is_the_first_app1_exif_block_before_the_scan() {
        let mut j = vec![0xFF, 0xD8];
        j.extend_from_slice(&[0xFF, 0xE1, 0x00, 0x06, b'X', b'M', b'P', 0]);
        j.extend_from_slice(&[0xFF, 0xE1, 0x00, 0x0A, b'E', b'x', b'i', b'f', 0, 0, 1, 2]);
        j.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x02]);
        assert_eq!(exif(&j), Some(&[1u8, 2][..]));
        assert_eq!(exif(&j[..10]), None);
    }
}
