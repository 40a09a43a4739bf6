//! Profile photos: one per child or family profile, uploaded on a form of its own, served only
//! to those who may see the profile.
//!
//! An upload of at most [`MAX_PHOTO_BYTES`] is kept only when it decodes as a JPEG or PNG
//! picture, whatever type the browser declared; it is then saved again from its pixels by
//! `clean`, so the stored photo carries no Exif block (GPS location, camera, date), comment
//! or appended bytes. It is stored in the profile row and served with its type, `nosniff`
//! (from the security headers) and `Cache-Control: private, no-store`, so no shared cache
//! keeps a child's photo. The CSRF token of the multipart form may come before or after the
//! file; both orders are read.

mod clean;

use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use vault_core::ids::{ChildProfileId, FamilyProfileId, OrgId, UserId};

use super::form::{self, Form, Id, MAX_PHOTO_BYTES};
use super::page::{render_invalid, see_other, Chrome, FieldErrors, PageError, PageResult};
use super::profile_fields::Fields;
use super::session::Viewer;
use super::visibility::Kind;
use super::{my_profile, notify};
use super::{profile_page, profile_store};
use crate::db::now;
use crate::state::AppState;

/// Room for the CSRF field and the multipart framing around a photo of the largest size.
const FORM_SLACK: usize = 16 * 1024;
/// Largest photo stored once saved again: a re-encoding may come out larger than the upload,
/// but not without bound.
const MAX_SAVED_BYTES: usize = 4 * MAX_PHOTO_BYTES;

/// Photos decoded at once: each may hold up to `clean::MAX_PIXEL_BYTES` of pixels, so a burst
/// of uploads waits its turn instead of adding up to more memory than the server has.
static DECODING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// The photo routes of child, family and own family profiles.
pub fn routes() -> Router<AppState> {
    let limit = DefaultBodyLimit::max(MAX_PHOTO_BYTES + FORM_SLACK);
    Router::new()
        .route(
            "/children/{id}/photo",
            get(serve_child).merge(post(upload_child).layer(limit)),
        )
        .route("/children/{id}/photo/remove", post(remove_child))
        .route(
            "/families/{id}/photo",
            get(serve_family).merge(post(upload_family).layer(limit)),
        )
        .route("/families/{id}/photo/remove", post(remove_family))
        .route(
            "/my/profile/photo",
            get(serve_mine).merge(post(upload_mine).layer(limit)),
        )
        .route("/my/profile/photo/remove", post(remove_mine))
}

/// The photo of a profile, answered to someone already allowed to see it.
async fn serve(state: &AppState, kind: Kind, id: &str) -> PageResult {
    let (bytes, kind) = profile_store::photo(state, kind, id)
        .await?
        .ok_or(PageError::NotFound)?;
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

async fn serve_child(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id<ChildProfileId>,
) -> PageResult {
    let opened = profile_store::open(&state, &viewer, Kind::Child, id).await?;
    serve(&state, Kind::Child, &opened.id).await
}

async fn serve_family(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id<FamilyProfileId>,
) -> PageResult {
    let opened = profile_store::open(&state, &viewer, Kind::Family, id).await?;
    serve(&state, Kind::Family, &opened.id).await
}

async fn serve_mine(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    let mine = my_profile::find(&state, &viewer).await?;
    serve(&state, Kind::Family, &mine.id).await
}

/// The profile whose photo changes, and who is told.
struct Target {
    kind: Kind,
    id: String,
    org: OrgId,
    /// The profile page to return to.
    back: String,
    /// Where the form posts.
    action: String,
    /// The social worker to tell, when a family changed its own photo.
    tell: Option<UserId>,
}

impl Target {
    async fn staff(state: &AppState, viewer: &Viewer, kind: Kind, id: String) -> PageResult<Self> {
        let org = viewer.staff_org()?;
        profile_store::owned(state, kind, &id, org).await?;
        let base = match kind {
            Kind::Child => "children",
            Kind::Family => "families",
        };
        Ok(Self {
            kind,
            back: format!("/{base}/{id}"),
            action: format!("/{base}/{id}/photo"),
            id,
            org,
            tell: None,
        })
    }

    async fn mine(state: &AppState, viewer: &Viewer) -> PageResult<Self> {
        let mine = my_profile::find(state, viewer).await?;
        my_profile::may_edit(state, mine.org).await?;
        Ok(Self {
            kind: Kind::Family,
            id: mine.id,
            org: mine.org,
            back: "/my/profile".to_owned(),
            action: "/my/profile/photo".to_owned(),
            tell: Some(mine.social_worker),
        })
    }
}

/// What a photo form sent.
#[derive(Default)]
struct Upload {
    csrf: String,
    photo: Vec<u8>,
    too_big: bool,
}

/// Reads the whole form, keeping at most [`MAX_PHOTO_BYTES`] of the photo.
async fn read(multipart: Result<Multipart, MultipartRejection>) -> PageResult<Upload> {
    let refused = |err: axum::extract::multipart::MultipartError| {
        if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
            PageError::TooLarge("the photo is larger than 2 MB")
        } else {
            PageError::BadRequest("the form was not one this app sends")
        }
    };
    let mut multipart =
        multipart.map_err(|_| PageError::BadRequest("the form was not one this app sends"))?;
    let mut upload = Upload::default();
    while let Some(mut field) = multipart.next_field().await.map_err(refused)? {
        match field.name() {
            Some("csrf") => upload.csrf = field.text().await.map_err(refused)?,
            Some("photo") => {
                while let Some(chunk) = field.chunk().await.map_err(refused)? {
                    if upload.photo.len() + chunk.len() > MAX_PHOTO_BYTES {
                        upload.too_big = true;
                    } else {
                        upload.photo.extend_from_slice(&chunk);
                    }
                }
            }
            _ => {}
        }
    }
    Ok(upload)
}

#[derive(Template)]
#[template(path = "profile_photo.html")]
struct PhotoPage {
    c: Chrome,
    errors: FieldErrors,
    action: String,
    back: String,
}

/// The form again with `message` next to the photo field (422).
fn refuse(viewer: &Viewer, target: &Target, message: &'static str) -> PageResult {
    let mut errors = FieldErrors::new();
    errors.add("photo", message);
    render_invalid(&PhotoPage {
        c: Chrome::new(viewer, "Change the photo", target.back.clone()),
        errors,
        action: target.action.clone(),
        back: target.back.clone(),
    })
}

/// Checks an uploaded photo, saves it again from its pixels alone and stores it on `target`.
async fn store(state: &AppState, viewer: &Viewer, target: &Target, upload: Upload) -> PageResult {
    if upload.too_big {
        return Err(PageError::TooLarge("the photo is larger than 2 MB"));
    }
    if upload.photo.is_empty() {
        return refuse(viewer, target, "Choose a JPEG or PNG photo to upload.");
    }
    let photo = upload.photo;
    let turn = DECODING
        .acquire()
        .await
        .map_err(|e| PageError::Internal(e.into()))?;
    let cleaned = tokio::task::spawn_blocking(move || clean::clean(&photo, MAX_SAVED_BYTES))
        .await
        .map_err(|e| PageError::Internal(e.into()))?;
    drop(turn);
    let cleaned = match cleaned {
        Ok(cleaned) => cleaned,
        Err(refusal) => return refuse(viewer, target, refusal.message()),
    };
    let had = profile_store::photo(state, target.kind, &target.id)
        .await?
        .is_some();
    let summary = if had {
        "replaced the photo"
    } else {
        "added a photo"
    };
    let kind = Some(cleaned.content_type.to_owned());
    save(state, viewer, target, Some(cleaned.bytes), kind, summary).await?;
    Ok(see_other(&target.back))
}

/// Writes the photo (or none) with its trail entry and, for a family's own change, the
/// notification of its social worker, in one transaction.
async fn save(
    state: &AppState,
    viewer: &Viewer,
    target: &Target,
    photo: Option<Vec<u8>>,
    photo_type: Option<String>,
    summary: &str,
) -> PageResult<()> {
    let mut tx = state.db.begin().await?;
    sqlx::query(&format!(
        "UPDATE {} SET photo = $1, photo_type = $2, updated_at = $3 WHERE id = $4 AND org_id = $5",
        target.kind.table()
    ))
    .bind(photo)
    .bind(photo_type)
    .bind(now())
    .bind(&target.id)
    .bind(target.org.to_string())
    .execute(&mut *tx)
    .await?;
    let (kind, id) = (target.kind, &target.id);
    profile_page::record(&mut tx, kind, viewer.user_id, target.org, id, summary).await?;
    if let Some(worker) = target.tell {
        let path = format!("/families/{}", target.id);
        let text = my_profile::changed_text("photo");
        notify::tell(&mut tx, state, &[worker], &text, &path).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Removes the photo of `target`, if it has one.
async fn remove(state: &AppState, viewer: &Viewer, target: &Target) -> PageResult {
    if profile_store::photo(state, target.kind, &target.id)
        .await?
        .is_some()
    {
        save(state, viewer, target, None, None, "removed the photo").await?;
    }
    Ok(see_other(&target.back))
}

async fn upload_child(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id<ChildProfileId>,
    multipart: Result<Multipart, MultipartRejection>,
) -> PageResult {
    viewer.staff_org()?;
    let upload = read(multipart).await?;
    form::check_csrf(&viewer, &upload.csrf)?;
    let target = Target::staff(&state, &viewer, Kind::Child, id.to_string()).await?;
    store(&state, &viewer, &target, upload).await
}

async fn upload_family(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id<FamilyProfileId>,
    multipart: Result<Multipart, MultipartRejection>,
) -> PageResult {
    viewer.staff_org()?;
    let upload = read(multipart).await?;
    form::check_csrf(&viewer, &upload.csrf)?;
    let target = Target::staff(&state, &viewer, Kind::Family, id.to_string()).await?;
    store(&state, &viewer, &target, upload).await
}

async fn upload_mine(
    State(state): State<AppState>,
    viewer: Viewer,
    multipart: Result<Multipart, MultipartRejection>,
) -> PageResult {
    viewer.family_org()?;
    let upload = read(multipart).await?;
    form::check_csrf(&viewer, &upload.csrf)?;
    let target = Target::mine(&state, &viewer).await?;
    store(&state, &viewer, &target, upload).await
}

async fn remove_child(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id<ChildProfileId>,
    Form(_): Form<Fields>,
) -> PageResult {
    let target = Target::staff(&state, &viewer, Kind::Child, id.to_string()).await?;
    remove(&state, &viewer, &target).await
}

async fn remove_family(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id<FamilyProfileId>,
    Form(_): Form<Fields>,
) -> PageResult {
    let target = Target::staff(&state, &viewer, Kind::Family, id.to_string()).await?;
    remove(&state, &viewer, &target).await
}

async fn remove_mine(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(_): Form<Fields>,
) -> PageResult {
    let target = Target::mine(&state, &viewer).await?;
    remove(&state, &viewer, &target).await
}
