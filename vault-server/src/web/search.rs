//! Search from both sides: families for one of our child profiles, children for one of our
//! families, or either with filters alone.
//!
//! Only active profiles the viewer's organisation may see are read
//! ([`super::visibility::profile_visible`], which also checks both licences). With a profile
//! chosen, results are ranked by [`vault_core::matching::score`] and each carries the reasons
//! for its score; without one they are listed by name. Filters travel in the query string (a
//! GET form: nothing secret in them), and a bad filter shows the form again with a message
//! next to the field (422), never an error page.

pub mod filters;

use askama::Template;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::Router;
use vault_core::ids::{ChildProfileId, FamilyProfileId, OrgId};
use vault_core::matching::{self, FamilyKind, LegalStatus, NeedLevel, Reason};

use self::filters::{check, child_passes, family_passes, Filters};
use super::links::profiles::{self as link_profiles, ChildSummary, FamilySummary};
use super::page::{render, render_invalid, Chrome, FieldErrors, PageError, PageResult};
use super::session::Viewer;
use super::visibility::{self, Kind};
use crate::state::AppState;

/// The search routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/search", get(start))
        .route("/search/families", get(find_families))
        .route("/search/children", get(find_children))
}

/// One of our profiles, offered in the form's "for" list.
pub struct Choice {
    id: String,
    label: String,
}

/// One result.
pub struct Hit {
    href: String,
    title: String,
    facts: String,
    org: String,
    score: Option<u8>,
    reasons: Vec<Reason>,
    link_href: Option<String>,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    c: Chrome,
    /// "families" or "children": what the page finds.
    mode: &'static str,
    f: Filters,
    errors: FieldErrors,
    choices: Vec<Choice>,
    /// Name of the chosen profile, when results are ranked for one.
    ranked_for: Option<String>,
    hits: Vec<Hit>,
    searched: bool,
    levels: &'static [NeedLevel],
    legal_statuses: &'static [LegalStatus],
    kinds: &'static [FamilyKind],
}

/// One need-level filter as the form shows it.
pub struct NeedField {
    field: &'static str,
    label: &'static str,
    value: String,
}

impl SearchPage {
    fn need_fields(&self) -> Vec<NeedField> {
        let f = &self.f;
        [
            ("health", "Health needs", &f.health),
            ("development", "Development needs", &f.development),
            ("education", "Education needs", &f.education),
            ("contact", "Contact arrangements", &f.contact),
        ]
        .into_iter()
        .map(|(field, label, value)| NeedField {
            field,
            label,
            value: value.clone(),
        })
        .collect()
    }
}

#[tracing::instrument(name = "GET /search", skip_all, fields(user.id = %viewer.user_id))]
async fn start(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    let org = viewer.staff_org()?;
    let page = page(&state, &viewer, org, "families", Filters::default()).await?;
    render(&page)
}

async fn page(
    state: &AppState,
    viewer: &Viewer,
    org: OrgId,
    mode: &'static str,
    f: Filters,
) -> Result<SearchPage, PageError> {
    let own = [org.to_string()];
    let choices = if mode == "families" {
        link_profiles::children(state, "p.org_id = $1 AND p.status = 'active'", &own)
            .await?
            .into_iter()
            .map(|c| Choice {
                id: c.id.to_string(),
                label: format!("{} ({})", c.label, c.ages_text()),
            })
            .collect()
    } else {
        link_profiles::families(state, "p.org_id = $1 AND p.status = 'active'", &own)
            .await?
            .into_iter()
            .map(|f| Choice {
                id: f.id.to_string(),
                label: f.name,
            })
            .collect()
    };
    let title = if mode == "families" {
        "Find families"
    } else {
        "Find children"
    };
    Ok(SearchPage {
        c: Chrome::new(viewer, title, "/search"),
        mode,
        f,
        errors: FieldErrors::new(),
        choices,
        ranked_for: None,
        hits: Vec::new(),
        searched: false,
        levels: NeedLevel::ALL,
        legal_statuses: LegalStatus::ALL,
        kinds: FamilyKind::ALL,
    })
}

/// Profile ids come from the query string; one that does not parse is "not found".
fn chosen<T: std::str::FromStr>(value: &str) -> Result<Option<T>, PageError> {
    if value.is_empty() {
        return Ok(None);
    }
    value.parse().map(Some).map_err(|_| PageError::NotFound)
}

fn visible_active(kind: Kind) -> String {
    format!(
        "{} AND p.status = 'active'",
        visibility::profile_visible(kind, "$1", "$2")
    )
}

#[tracing::instrument(name = "GET /search/families", skip_all, fields(user.id = %viewer.user_id))]
async fn find_families(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(filters): Query<Filters>,
) -> PageResult {
    let org = viewer.staff_org()?;
    let for_child = match chosen::<ChildProfileId>(&filters.child)? {
        Some(id) => Some(own_child(&state, org, id).await?),
        None => None,
    };
    let mut page = page(&state, &viewer, org, "families", filters).await?;
    let checked = check(&page.f, &mut page.errors);
    if !page.errors.is_empty() {
        return render_invalid(&page);
    }
    let binds = [org.to_string(), visibility::today()];
    // TODO(#5): every visible active profile is read, then filtered and scored here; fine for
    // the thousands a platform holds today, and the filters can move into the SQL (with a
    // limit on the ranked list) when searches grow slow.
    let found = link_profiles::families(&state, &visible_active(Kind::Family), &binds).await?;
    let today = link_profiles::this_month();
    let mut hits: Vec<Hit> = found
        .into_iter()
        .filter(|fam| family_passes(&fam.offer, &checked))
        .map(|fam| {
            let scored = for_child
                .as_ref()
                .map(|child| matching::score(&child.needs, &fam.offer, today));
            Hit {
                href: format!("/families/{}", fam.id),
                facts: format!("{}. {}", fam.hopes_text(), region_words(&fam.offer.region)),
                org: fam.org_name,
                score: scored.as_ref().map(|m| m.score),
                reasons: scored.map(|m| m.reasons).unwrap_or_default(),
                link_href: None,
                title: fam.name,
            }
        })
        .collect();
    rank(&mut hits);
    page.ranked_for = for_child.map(|c| c.label);
    page.hits = hits;
    page.searched = true;
    render(&page)
}

#[tracing::instrument(name = "GET /search/children", skip_all, fields(user.id = %viewer.user_id))]
async fn find_children(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(filters): Query<Filters>,
) -> PageResult {
    let org = viewer.staff_org()?;
    let for_family = match chosen::<FamilyProfileId>(&filters.family)? {
        Some(id) => Some(own_family(&state, org, id).await?),
        None => None,
    };
    let mut page = page(&state, &viewer, org, "children", filters).await?;
    let checked = check(&page.f, &mut page.errors);
    if !page.errors.is_empty() {
        return render_invalid(&page);
    }
    let binds = [org.to_string(), visibility::today()];
    let found = link_profiles::children(&state, &visible_active(Kind::Child), &binds).await?;
    let today = link_profiles::this_month();
    let mut hits: Vec<Hit> = found
        .into_iter()
        .filter(|child| child_passes(&child.needs, &child.ages, &checked))
        .map(|child| {
            let scored = for_family
                .as_ref()
                .map(|fam| matching::score(&child.needs, &fam.offer, today));
            Hit {
                href: format!("/children/{}", child.id),
                facts: format!(
                    "{}: {}. {}. {}",
                    child.group_text(),
                    child.ages_text(),
                    capitalised(child.needs.legal_status.words()),
                    region_words(&child.needs.region)
                ),
                org: child.org_name,
                score: scored.as_ref().map(|m| m.score),
                reasons: scored.map(|m| m.reasons).unwrap_or_default(),
                link_href: Some(format!("/links/new?child={}", child.id)),
                title: child.label,
            }
        })
        .collect();
    rank(&mut hits);
    page.ranked_for = for_family.map(|f| f.name);
    page.hits = hits;
    page.searched = true;
    render(&page)
}

/// Best score first; equal scores (or none) by name, so the order never changes by chance.
fn rank(hits: &mut [Hit]) {
    hits.sort_by(|a, b| b.score.cmp(&a.score).then_with(|| a.title.cmp(&b.title)));
}

fn region_words(region: &str) -> String {
    if region.trim().is_empty() {
        "Region not given".to_owned()
    } else {
        format!("Region: {region}")
    }
}

fn capitalised(words: &str) -> String {
    let mut chars = words.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// One of our own active child profiles, or 404.
async fn own_child(
    state: &AppState,
    org: OrgId,
    id: ChildProfileId,
) -> Result<ChildSummary, PageError> {
    let child = link_profiles::child(state, id).await?;
    if child.org_id == org {
        Ok(child)
    } else {
        Err(PageError::NotFound)
    }
}

/// One of our own family profiles, or 404.
async fn own_family(
    state: &AppState,
    org: OrgId,
    id: FamilyProfileId,
) -> Result<FamilySummary, PageError> {
    let family = link_profiles::family(state, id).await?;
    if family.org_id == org {
        Ok(family)
    } else {
        Err(PageError::NotFound)
    }
}
