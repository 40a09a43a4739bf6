//! Steps the profile tests share: two organisations with a practitioner each, filled-in child
//! and family forms to post (and vary field by field), refusals to expect, and photos to
//! upload. The database helpers they use live in `vault_tests::web_fixtures`.

#![allow(dead_code)]

use vault_core::ids::{OrgId, UserId};
use vault_tests::platform::Platform;
use vault_tests::web::{self, Account, Browser, Page};
use vault_tests::web_fixtures::{north_with_practitioner, signed_in, this_year};

/// Two licensed organisations and a practitioner signed in at each.
pub(crate) struct World {
    pub(crate) platform: Platform,
    pub(crate) north: OrgId,
    pub(crate) south: OrgId,
    /// Practitioner of Northshire Council.
    pub(crate) ana: Browser,
    pub(crate) ana_id: UserId,
    /// Practitioner of Southby Adoption Agency.
    pub(crate) ben: Browser,
    pub(crate) ben_id: UserId,
}

/// Starts a platform with Northshire Council (Ana Lee) and Southby Adoption Agency (Ben Okafor).
pub(crate) async fn world() -> World {
    let platform = Platform::start().await;
    let (north, ana_id) = north_with_practitioner(&platform).await;
    let south = web::organisation(&platform, "Southby Adoption Agency").await;
    let ben_id = web::account(
        &platform,
        south,
        "ben@south.example",
        "Ben Okafor",
        Account::Practitioner,
    )
    .await;
    let ana = signed_in(&platform, "ana@north.example").await;
    let ben = signed_in(&platform, "ben@south.example").await;
    World {
        platform,
        north,
        south,
        ana,
        ana_id,
        ben,
        ben_id,
    }
}

/// Posts each form to `path`, expecting 422 with `message` next to `field` every time.
pub(crate) async fn refused(
    browser: &mut Browser,
    path: &str,
    cases: Vec<(Fields, &'static str, &'static str)>,
) {
    for (form, field, message) in cases {
        let page = form.post(browser, path).await;
        assert_eq!(page.status, 422, "{field}: {}", page.body);
        assert_eq!(page.field_error(field).as_deref(), Some(message), "{field}");
    }
}

/// Whether the activity trail on `page` shows `who` doing `what`.
#[must_use]
pub(crate) fn did(page: &Page, who: &str, what: &str) -> bool {
    page.shows(&format!("<strong>{who}</strong> {what}"))
}

/// A form as (name, value) pairs, repeated names allowed.
#[derive(Clone, Debug)]
pub(crate) struct Fields(pub(crate) Vec<(String, String)>);

impl Fields {
    /// Replaces every value of `name` with `value`.
    #[must_use]
    pub(crate) fn set(mut self, name: &str, value: &str) -> Self {
        self.0.retain(|(k, _)| k != name);
        self.0.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Adds one more value of `name`.
    #[must_use]
    pub(crate) fn add(mut self, name: &str, value: &str) -> Self {
        self.0.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Replaces the child rows: (name, month, year), padded to four rows as the form sends.
    #[must_use]
    pub(crate) fn rows(mut self, rows: &[(&str, &str, &str)]) -> Self {
        self.0
            .retain(|(k, _)| !matches!(k.as_str(), "child_name" | "birth_month" | "birth_year"));
        for i in 0..4 {
            let (name, month, year) = rows.get(i).copied().unwrap_or(("", "", ""));
            self = self
                .add("child_name", name)
                .add("birth_month", month)
                .add("birth_year", year);
        }
        self
    }

    /// Posts the form with the browser's CSRF token.
    pub(crate) async fn post(&self, browser: &mut Browser, path: &str) -> Page {
        let pairs: Vec<(&str, &str)> = self
            .0
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        browser.post(path, &pairs).await
    }
}

/// A valid child profile form: Mia and Leo, placement order, shown to the own organisation.
#[must_use]
pub(crate) fn child_form(social_worker: UserId) -> Fields {
    let (mia, leo) = ((this_year() - 6).to_string(), (this_year() - 4).to_string());
    Fields(Vec::new())
        .rows(&[("Mia", "3", &mia), ("Leo", "7", &leo)])
        .set("legal_status", "placement_order")
        .set("region", "Northshire")
        .set("need_health", "low")
        .set("need_development", "medium")
        .set("need_education", "none")
        .set("need_contact", "high")
        .set(
            "needs_notes",
            "Weekly letterbox contact with their grandmother.",
        )
        .set("likes", "Swimming, dinosaurs")
        .set("personality", "Mia is chatty; Leo is shy at first.")
        .set("social_worker", &social_worker.to_string())
        .set("case", "")
        .set("visibility", "own")
}

/// A valid family profile form: Sam and Alex, hoping to adopt.
#[must_use]
pub(crate) fn family_form(social_worker: UserId) -> Fields {
    Fields(Vec::new())
        .set("name", "Sam and Alex")
        .set("family_kind", "adoption")
        .set("adults", "2")
        .set("children_at_home", "0")
        .set(
            "household",
            "A terraced house with a garden and a calm old dog.",
        )
        .set("approval_status", "approved")
        .set("approval_terms", "approved for 1–2 children aged 0–6")
        .set("meet_health", "medium")
        .set("meet_development", "low")
        .set("meet_education", "medium")
        .set("meet_contact", "high")
        .set("age_min", "0")
        .set("age_max", "6")
        .set("children_max", "2")
        .set("description", "We love long walks and reading together.")
        .set("account", "")
        .set("region", "Southby")
        .set("social_worker", &social_worker.to_string())
        .set("case", "")
        .set("visibility", "own")
}

/// Posts `form` as a new child profile and answers its id; panics unless it is accepted.
pub(crate) async fn create_child(browser: &mut Browser, form: &Fields) -> String {
    browser.get("/children/new").await;
    let page = form.post(browser, "/children/new").await;
    assert_eq!(page.status, 303, "{}", page.body);
    let to = page.location.unwrap();
    to.strip_prefix("/children/").unwrap().to_owned()
}

/// Posts `form` as a new family profile and answers its id; panics unless it is accepted.
pub(crate) async fn create_family(browser: &mut Browser, form: &Fields) -> String {
    browser.get("/families/new").await;
    let page = form.post(browser, "/families/new").await;
    assert_eq!(page.status, 303, "{}", page.body);
    let to = page.location.unwrap();
    to.strip_prefix("/families/").unwrap().to_owned()
}

/// The first bytes of a JPEG file and some filler: the size of an upload without a picture.
#[must_use]
pub(crate) fn fake_jpeg(len: usize) -> Vec<u8> {
    let mut bytes = vec![
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0,
    ];
    bytes.resize(len.max(bytes.len()), 0x55);
    bytes
}

/// A real JPEG picture of `width` × `height` pixels, as a camera would save it (no metadata).
#[must_use]
pub(crate) fn jpeg_of(width: u32, height: u32) -> Vec<u8> {
    let picture = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x * 7) as u8, (y * 5) as u8, 120])
    });
    let mut out = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90);
    image::DynamicImage::ImageRgb8(picture)
        .write_with_encoder(encoder)
        .unwrap();
    out
}

/// A small real JPEG photo, which the app keeps.
#[must_use]
pub(crate) fn photo() -> Vec<u8> {
    jpeg_of(24, 16)
}

/// The photo stored on profile `id` in `table`, byte for byte.
pub(crate) async fn stored_photo(platform: &Platform, table: &str, id: &str) -> Vec<u8> {
    let pool = vault_tests::web_fixtures::pool(platform).await;
    let (bytes,): (Vec<u8>,) = sqlx::query_as(&format!("SELECT photo FROM {table} WHERE id = $1"))
        .bind(id)
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    bytes
}

/// Uploads `bytes` as the photo field, declared as `declared`.
pub(crate) async fn upload(
    browser: &mut Browser,
    path: &str,
    bytes: Vec<u8>,
    declared: &str,
) -> Page {
    let part = reqwest::multipart::Part::bytes(bytes)
        .file_name("photo.jpg")
        .mime_str(declared)
        .unwrap();
    let form = reqwest::multipart::Form::new().part("photo", part);
    browser.post_multipart(path, form).await
}
