//! Profile photos keep nothing but the picture: a JPEG carrying an Exif block with a GPS
//! position and a camera name comes back without either (and turned upright as its Exif
//! said), a PNG with a web page appended comes back without it, files that only start like
//! a picture are refused, and a header claiming 100000 × 100000 pixels is refused at once.

#[path = "profiles/steps.rs"]
mod steps;

use std::time::{Duration, Instant};

use steps::{child_form, create_child, jpeg_of, stored_photo, upload};
use vault_tests::web::Browser;
use vault_tests::web_fixtures::number;

const NOT_PICTURE: &str = "This file is not a JPEG or PNG picture.";
const CAMERA: &[u8] = b"ACME-CAMERA\0";
/// GPS latitude 51° 30' 12.34" as three big-endian rationals.
const LATITUDE: [u32; 6] = [51, 1, 30, 1, 1234, 100];

/// One 12-byte entry of a big-endian TIFF directory.
fn entry(out: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: [u8; 4]) {
    out.extend_from_slice(&tag.to_be_bytes());
    out.extend_from_slice(&kind.to_be_bytes());
    out.extend_from_slice(&count.to_be_bytes());
    out.extend_from_slice(&value);
}

/// The bytes of the latitude as stored in the Exif block.
fn latitude_bytes() -> Vec<u8> {
    LATITUDE.iter().flat_map(|n| n.to_be_bytes()).collect()
}

/// An APP1 Exif segment: camera make, orientation "rotate 90° clockwise" and a GPS
/// directory with a latitude.
fn exif_segment() -> Vec<u8> {
    // Offsets within the TIFF data: header 8, first directory (3 entries) 42 bytes.
    let make_at: u32 = 8 + 42;
    let gps_at = make_at + CAMERA.len() as u32;
    let latitude_at = gps_at + 30;
    let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
    tiff.extend_from_slice(&3u16.to_be_bytes());
    entry(
        &mut tiff,
        0x010F,
        2,
        CAMERA.len() as u32,
        make_at.to_be_bytes(),
    );
    entry(&mut tiff, 0x0112, 3, 1, [0, 6, 0, 0]);
    entry(&mut tiff, 0x8825, 4, 1, gps_at.to_be_bytes());
    tiff.extend_from_slice(&[0; 4]);
    tiff.extend_from_slice(CAMERA);
    tiff.extend_from_slice(&2u16.to_be_bytes());
    entry(&mut tiff, 0x0001, 2, 2, *b"N\0\0\0");
    entry(&mut tiff, 0x0002, 5, 3, latitude_at.to_be_bytes());
    tiff.extend_from_slice(&[0; 4]);
    tiff.extend_from_slice(&latitude_bytes());
    let mut segment = vec![0xFF, 0xE1];
    segment.extend_from_slice(&(2 + 6 + tiff.len() as u16).to_be_bytes());
    segment.extend_from_slice(b"Exif\0\0");
    segment.extend_from_slice(&tiff);
    segment
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn png_of(width: u32, height: u32) -> Vec<u8> {
    let picture = image::RgbaImage::from_fn(width, height, |x, y| {
        image::Rgba([(x * 9) as u8, (y * 3) as u8, 200, 180])
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgba8(picture)
        .write_with_encoder(image::codecs::png::PngEncoder::new(&mut out))
        .unwrap();
    out
}

/// CRC-32 of a PNG chunk (type and data), bit by bit: a test needs no table.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for byte in bytes {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn chunk(out: &mut Vec<u8>, kind: [u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let mut typed = kind.to_vec();
    typed.extend_from_slice(data);
    out.extend_from_slice(&typed);
    out.extend_from_slice(&crc32(&typed).to_be_bytes());
}

/// A well-formed PNG header claiming 100000 × 100000 RGBA pixels, with a few bytes of data.
fn bomb() -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = Vec::new();
    header.extend_from_slice(&100_000u32.to_be_bytes());
    header.extend_from_slice(&100_000u32.to_be_bytes());
    header.extend_from_slice(&[8, 6, 0, 0, 0]);
    chunk(&mut out, *b"IHDR", &header);
    chunk(
        &mut out,
        *b"IDAT",
        &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    );
    chunk(&mut out, *b"IEND", &[]);
    out
}

/// Ana's new child profile, its photo path, with its page open for the form's token.
async fn profile(w: &mut steps::World) -> (String, String) {
    let id = create_child(&mut w.ana, &child_form(w.ana_id)).await;
    w.ana.get(&format!("/children/{id}")).await;
    let path = format!("/children/{id}/photo");
    (id, path)
}

async fn photos(w: &steps::World) -> i64 {
    let sql = "SELECT COUNT(*) FROM child_profiles WHERE photo IS NOT NULL";
    number(&w.platform, sql, &[]).await
}

#[tokio::test]
async fn a_jpeg_loses_its_exif_block_with_the_gps_position_and_camera() {
    let mut w = steps::world().await;
    let (id, path) = profile(&mut w).await;
    let mut upload_bytes = jpeg_of(32, 24);
    let rest = upload_bytes.split_off(2);
    upload_bytes.extend_from_slice(&exif_segment());
    upload_bytes.extend_from_slice(&rest);
    assert!(contains(&upload_bytes, b"Exif\0\0") && contains(&upload_bytes, &latitude_bytes()));
    assert!(
        image::load_from_memory(&upload_bytes).is_ok(),
        "a valid JPEG is sent"
    );

    let sent = upload(&mut w.ana, &path, upload_bytes, "image/jpeg").await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let stored = stored_photo(&w.platform, "child_profiles", &id).await;
    for (what, bytes) in [
        ("Exif marker", &b"Exif"[..]),
        ("APP1 segment", &[0xFF, 0xE1][..]),
        ("camera", CAMERA),
        ("GPS latitude", &latitude_bytes()[..]),
    ] {
        assert!(!contains(&stored, bytes), "the {what} is gone");
    }
    let served = w.ana.get(&path).await;
    assert_eq!(served.headers["content-type"], "image/jpeg");
    assert_eq!(served.body, String::from_utf8_lossy(&stored));
    let picture = image::load_from_memory(&stored).unwrap();
    assert_eq!(
        (picture.width(), picture.height()),
        (24, 32),
        "turned upright as the Exif orientation said"
    );
}

#[tokio::test]
async fn a_png_loses_what_was_appended_and_keeps_its_pixels() {
    let mut w = steps::world().await;
    let (id, path) = profile(&mut w).await;
    let original = png_of(20, 10);
    let mut sent_bytes = original.clone();
    sent_bytes.extend_from_slice(b"<html><script>alert(document.cookie)</script></html>");
    let sent = upload(&mut w.ana, &path, sent_bytes, "image/png").await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let stored = stored_photo(&w.platform, "child_profiles", &id).await;
    assert!(!contains(&stored, b"<script>") && !contains(&stored, b"<html>"));
    assert_eq!(w.ana.get(&path).await.headers["content-type"], "image/png");
    let kept = image::load_from_memory(&stored).unwrap().to_rgba8();
    let before = image::load_from_memory(&original).unwrap().to_rgba8();
    assert_eq!(kept, before, "a PNG is saved again without loss");
}

/// Uploads `bytes` and expects 422 with `message` next to the photo field.
async fn refused(browser: &mut Browser, path: &str, bytes: Vec<u8>, message: &str) {
    let page = upload(browser, path, bytes, "image/jpeg").await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert_eq!(page.field_error("photo").as_deref(), Some(message));
}

#[tokio::test]
async fn files_that_only_start_like_a_picture_are_refused() {
    let mut w = steps::world().await;
    let (_, path) = profile(&mut w).await;
    let mut fake_jpeg = vec![0xFF, 0xD8, 0xFF];
    fake_jpeg.extend_from_slice(b"<html><body>not a photo</body></html>");
    refused(&mut w.ana, &path, fake_jpeg, NOT_PICTURE).await;
    let mut fake_png = b"\x89PNG\r\n\x1a\n".to_vec();
    fake_png.extend_from_slice(b"<svg xmlns='http://www.w3.org/2000/svg'/>");
    refused(&mut w.ana, &path, fake_png, NOT_PICTURE).await;
    let whole = jpeg_of(40, 40);
    refused(
        &mut w.ana,
        &path,
        whole[..whole.len() / 2].to_vec(),
        NOT_PICTURE,
    )
    .await;
    assert_eq!(photos(&w).await, 0, "nothing stored");
}

#[tokio::test]
async fn a_picture_claiming_too_many_pixels_is_refused_at_once() {
    let mut w = steps::world().await;
    let (_, path) = profile(&mut w).await;
    let started = Instant::now();
    refused(
        &mut w.ana,
        &path,
        bomb(),
        "This picture has too many pixels: use one at most 6000 pixels wide and high.",
    )
    .await;
    // Decoding 10^10 pixels would take minutes and 40 GB; the header alone is read.
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(photos(&w).await, 0, "nothing stored");
}
