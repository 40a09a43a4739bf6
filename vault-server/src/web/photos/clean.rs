//! Re-saving an uploaded photo so that only its picture is kept.
//!
//! A file is accepted only when it decodes as a whole JPEG or PNG image. It is then encoded
//! anew in its own format (a PNG stays a PNG, lossless and with its transparency; a JPEG is
//! saved again as a JPEG of quality [`JPEG_QUALITY`]), from the decoded pixels alone. So no
//! Exif block (a child's home by GPS, the camera, the date), comment, colour profile or byte
//! appended after the picture reaches the organisations that see the profile, and a file
//! that merely starts like a picture is refused. A JPEG's Exif orientation is applied to the
//! pixels before the block is dropped, so a photo taken upright stays upright.
//!
//! Decoding is bounded before any pixel is read: at most [`MAX_SIDE`] pixels a side and
//! [`MAX_PIXEL_BYTES`] of decoded pixels, so a small file claiming a huge picture (a
//! decompression bomb) is refused from its header instead of filling the memory. The work is
//! CPU-bound; callers run it on the blocking pool.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits};

/// Longest side of a photo, in pixels.
pub(super) const MAX_SIDE: u32 = 6000;
/// Decoded pixels at most: a 6000 × 6000 picture of 8-bit RGBA.
pub(super) const MAX_PIXEL_BYTES: u64 = 6000 * 6000 * 4;
/// Quality a JPEG is saved again at: no visible loss for a profile photo.
pub(super) const JPEG_QUALITY: u8 = 85;

/// Why an upload is not kept, each with the message shown next to the photo field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Refusal {
    /// It does not decode as a JPEG or PNG image.
    NotPicture,
    /// Its header claims more pixels than the limits allow.
    TooManyPixels,
    /// Saved again, it would be larger than the photo store takes.
    TooLargeSaved,
}

impl Refusal {
    /// The message for the form.
    #[must_use]
    pub(super) fn message(self) -> &'static str {
        match self {
            Self::NotPicture => "This file is not a JPEG or PNG picture.",
            Self::TooManyPixels => {
                "This picture has too many pixels: use one at most 6000 pixels wide and high."
            }
            Self::TooLargeSaved => {
                "This picture is too large once saved again: use a smaller or simpler one."
            }
        }
    }
}

/// A photo saved again from its pixels.
#[derive(Debug)]
pub(super) struct Cleaned {
    /// The new file.
    pub(super) bytes: Vec<u8>,
    /// `image/jpeg` or `image/png`.
    pub(super) content_type: &'static str,
}

fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_PIXEL_BYTES);
    limits
}

fn refusal(err: &ImageError) -> Refusal {
    match err {
        ImageError::Limits(_) => Refusal::TooManyPixels,
        _ => Refusal::NotPicture,
    }
}

/// Decodes `upload` within the limits, turned as its Exif orientation says.
fn decode(upload: &[u8]) -> Result<(DynamicImage, ImageFormat), Refusal> {
    let mut reader = ImageReader::new(Cursor::new(upload))
        .with_guessed_format()
        .map_err(|_| Refusal::NotPicture)?;
    let Some(format @ (ImageFormat::Jpeg | ImageFormat::Png)) = reader.format() else {
        return Err(Refusal::NotPicture);
    };
    reader.limits(limits());
    let mut decoder = reader.into_decoder().map_err(|e| refusal(&e))?;
    // The decoders check the sides against the limits but allocate the pixels unchecked.
    if decoder.total_bytes() > MAX_PIXEL_BYTES {
        return Err(Refusal::TooManyPixels);
    }
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(|e| refusal(&e))?;
    image.apply_orientation(orientation);
    Ok((image, format))
}

/// `upload` decoded and encoded anew in its own format, when it is a JPEG or PNG picture
/// within the limits and, saved again, at most `max_saved` bytes.
pub(super) fn clean(upload: &[u8], max_saved: usize) -> Result<Cleaned, Refusal> {
    let (image, format) = decode(upload)?;
    let mut bytes = Vec::new();
    let (written, content_type) = if format == ImageFormat::Png {
        (
            image.write_with_encoder(PngEncoder::new(&mut bytes)),
            "image/png",
        )
    } else {
        // JPEG has no transparency; a decoder answering RGBA gets it dropped, not refused.
        let image = if image.color().has_alpha() {
            DynamicImage::ImageRgb8(image.to_rgb8())
        } else {
            image
        };
        let encoder = JpegEncoder::new_with_quality(&mut bytes, JPEG_QUALITY);
        (image.write_with_encoder(encoder), "image/jpeg")
    };
    written.map_err(|_| Refusal::NotPicture)?;
    if bytes.len() > max_saved {
        return Err(Refusal::TooLargeSaved);
    }
    Ok(Cleaned {
        bytes,
        content_type,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage, Rgba, RgbaImage};

    fn png(width: u32, height: u32) -> Vec<u8> {
        let picture = RgbaImage::from_fn(width, height, |x, y| Rgba([x as u8, y as u8, 90, 200]));
        let mut out = Vec::new();
        DynamicImage::ImageRgba8(picture)
            .write_with_encoder(PngEncoder::new(&mut out))
            .unwrap();
        out
    }

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let picture = RgbImage::from_fn(width, height, |x, y| Rgb([x as u8, y as u8, 40]));
        let mut out = Vec::new();
        DynamicImage::ImageRgb8(picture)
            .write_with_encoder(JpegEncoder::new_with_quality(&mut out, 90))
            .unwrap();
        out
    }

    #[test]
    fn a_png_stays_a_lossless_png_without_what_followed_it() {
        let original = png(12, 7);
        let mut upload = original.clone();
        upload.extend_from_slice(b"<html><script>alert(1)</script></html>");
        let cleaned = clean(&upload, 1 << 20).unwrap();
        assert_eq!(cleaned.content_type, "image/png");
        assert!(!cleaned.bytes.windows(6).any(|w| w == b"<html>"));
        let again = image::load_from_memory(&cleaned.bytes).unwrap();
        let before = image::load_from_memory(&original).unwrap();
        assert_eq!(again.to_rgba8(), before.to_rgba8(), "the same pixels");
    }

    #[test]
    fn a_jpeg_is_saved_again_as_a_jpeg_of_the_same_size() {
        let cleaned = clean(&jpeg(20, 10), 1 << 20).unwrap();
        assert_eq!(cleaned.content_type, "image/jpeg");
        let again = image::load_from_memory(&cleaned.bytes).unwrap();
        assert_eq!((again.width(), again.height()), (20, 10));
    }

    #[test]
    fn files_that_only_start_like_pictures_are_refused() {
        let mut fake_jpeg = vec![0xFF, 0xD8, 0xFF];
        fake_jpeg.extend_from_slice(b"<html><body>hello</body></html>");
        assert_eq!(clean(&fake_jpeg, 1 << 20).unwrap_err(), Refusal::NotPicture);
        let mut fake_png = b"\x89PNG\r\n\x1a\n".to_vec();
        fake_png.extend_from_slice(b"<svg onload=alert(1)>");
        assert_eq!(clean(&fake_png, 1 << 20).unwrap_err(), Refusal::NotPicture);
        let half = png(30, 30);
        let half = &half[..half.len() / 2];
        assert_eq!(clean(half, 1 << 20).unwrap_err(), Refusal::NotPicture);
        assert_eq!(clean(b"GIF89a", 1 << 20).unwrap_err(), Refusal::NotPicture);
    }

    #[test]
    fn pictures_beyond_the_limits_are_refused() {
        let wide = png(MAX_SIDE + 1, 1);
        assert_eq!(clean(&wide, 1 << 20).unwrap_err(), Refusal::TooManyPixels);
        let small = png(40, 40);
        assert_eq!(clean(&small, 10).unwrap_err(), Refusal::TooLargeSaved);
        assert!(clean(&small, small.len() * 4).is_ok());
    }
}
