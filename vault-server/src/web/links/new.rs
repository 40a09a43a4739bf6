//! A new link: the family's organisation expresses interest in a child profile on behalf of
//! one of its active families.
//!
//! The child profile must be active and visible to the viewer's organisation (else 404, as
//! for an id that does not exist). The family must be one of the organisation's own active
//! families; a family may have only as many open links as its organisation's licence allows
//! (`open_link_cap`), and one open link per child. Both refusals are shown next to the family
//! field, and both are checked in the transaction that writes the link.
//!
//! An adopter or foster carer may express interest in the same way for their own family
//! profile, in a child their organisation may see; the same cap applies, and their social
//! worker is told.

use askama::Template;
use axum::extract::{Query, State};
use serde::Deserialize;
use vault_core::ids::{ChildProfileId, FamilyProfileId, OrgId};

use super::change::{self, NewLink, Refused};
use super::profiles::{self, ChildSummary, FamilySummary};
use crate::state::AppState;
use crate::web::form::{self, Form};
use crate::web::licence;
use crate::web::page::{
    render, render_invalid, see_other, Chrome, FieldErrors, PageError, PageResult,
};
use crate::web::session::{Role, Viewer};
use crate::web::visibility::{self, Kind};

#[derive(Template)]
#[template(path = "links_new.html")]
struct NewPage {
    c: Chrome,
    child: ChildSummary,
    families: Vec<FamilySummary>,
    family: String,
    message: String,
    errors: FieldErrors,
    cap: i64,
    /// An adopter or foster carer writing for their own family.
    own_family: bool,
}

/// The query of the form page.
#[derive(Deserialize)]
pub struct NewQuery {
    #[serde(default)]
    child: String,
}

/// The form's fields.
#[derive(Deserialize)]
pub struct NewForm {
    #[serde(default)]
    child: String,
    #[serde(default)]
    family: String,
    #[serde(default)]
    message: String,
}

/// Child profile `id` if it is active and `org` may see it; 404 otherwise.
async fn visible_child(state: &AppState, org: OrgId, id: &str) -> Result<ChildSummary, PageError> {
    let id: ChildProfileId = id.parse().map_err(|_| PageError::NotFound)?;
    let condition = format!(
        "p.id = $3 AND p.status = 'active' AND {}",
        visibility::profile_visible(Kind::Child, "$1", "$2")
    );
    let binds = [org.to_string(), visibility::today(), id.to_string()];
    profiles::children(state, &condition, &binds)
        .await?
        .pop()
        .ok_or(PageError::NotFound)
}

/// The organisation acting and the families it may express interest for: for staff, every
/// active family of their organisation; for an adopter or foster carer, their own active
/// family profile only.
async fn proposer(
    state: &AppState,
    viewer: &Viewer,
) -> Result<(OrgId, Vec<FamilySummary>), PageError> {
    if viewer.role == Role::Family {
        let org = viewer.family_org()?;
        let binds = [org.to_string(), viewer.user_id.to_string()];
        let condition = "p.org_id = $1 AND p.account_user_id = $2 AND p.status = 'active'";
        Ok((org, profiles::families(state, condition, &binds).await?))
    } else {
        let org = viewer.staff_org()?;
        let condition = "p.org_id = $1 AND p.status = 'active'";
        Ok((
            org,
            profiles::families(state, condition, &[org.to_string()]).await?,
        ))
    }
}

async fn page(
    state: &AppState,
    viewer: &Viewer,
    child: &str,
    (family, message): (String, String),
) -> Result<NewPage, PageError> {
    let (org, families) = proposer(state, viewer).await?;
    let child = visible_child(state, org, child).await?;
    Ok(NewPage {
        c: Chrome::new(
            viewer,
            format!("Express interest in {}", child.label),
            "/links",
        ),
        child,
        families,
        family,
        message,
        errors: FieldErrors::new(),
        cap: licence::load(state, org).await?.open_link_cap,
        own_family: viewer.role == Role::Family,
    })
}

/// GET /links/new?child=ID
#[tracing::instrument(name = "GET /links/new", skip_all, fields(user.id = %viewer.user_id))]
pub async fn form(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<NewQuery>,
) -> PageResult {
    let page = page(&state, &viewer, &q.child, Default::default()).await?;
    render(&page)
}

/// POST /links
#[tracing::instrument(name = "POST /links", skip_all, fields(user.id = %viewer.user_id))]
pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(f): Form<NewForm>,
) -> PageResult {
    let texts = (f.family.clone(), f.message.clone());
    let mut page = page(&state, &viewer, &f.child, texts).await?;
    let child_ref = (page.child.id, page.child.org_id);
    let family = f.family.parse::<FamilyProfileId>().ok();
    let family = family.filter(|id| page.families.iter().any(|fam| fam.id == *id));
    if family.is_none() {
        page.errors.add(
            "family",
            "Choose one of your organisation's active families.",
        );
    }
    let message = match form::text(&f.message, super::MAX_MESSAGE_CHARS, true) {
        Ok(m) => Some(m).filter(|m| !m.is_empty()),
        Err(m) => {
            page.errors.add("message", m);
            None
        }
    };
    let Some(family) = family.filter(|_| page.errors.is_empty()) else {
        return render_invalid(&page);
    };
    let new = NewLink {
        child: child_ref,
        family: (family, viewer.org_id.ok_or(PageError::NotFound)?),
        actor: viewer.user_id,
        message: message.as_deref(),
        cap: page.cap,
    };
    match change::create(&state, new).await? {
        Ok(id) => Ok(see_other(&change::path(id))),
        Err(Refused::Duplicate) => {
            page.errors.add(
                "family",
                "This family already has an open link with this child.",
            );
            render_invalid(&page)
        }
        Err(Refused::Cap(cap)) => {
            let open = if cap == 1 {
                "1 open link".to_owned()
            } else {
                format!("{cap} open links")
            };
            page.errors.add(
                "family",
                format!(
                    "This family already has {open}, the most your organisation allows. \
                     Withdraw or close one first."
                ),
            );
            render_invalid(&page)
        }
    }
}
