//! Links (expressions of interest): the list, one link's page with its steps, messages and
//! trail, and the forms that move it on.
//!
//! A link is seen by the staff of both its organisations and by the adopter or foster carer
//! it was made for ([`access`]); every page and form answers 404 to anyone else. Steps follow
//! [`vault_core::matching`]: the other side's step is refused with 403 and the reason, a step
//! out of order or on a link that changed meanwhile with 409. A child-side practitioner
//! opening a sent link marks it viewed. Writes live in [`change`], the form for a new link in
//! [`new`], the profile summaries both pages show in [`profiles`], one link's page in [`show`].

pub mod access;
pub mod change;
pub mod new;
pub mod profiles;
pub mod show;
pub mod told;

use askama::Template;
use axum::extract::{Query, RawQuery, State};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use vault_core::ids::{LinkId, OrgId};
use vault_core::matching::{LinkStatus, Side};

use self::access::Link;
use self::profiles::{ChildSummary, FamilySummary};
use super::form::{self, Form, Id};
use super::page::{
    render, render_invalid, see_other, when, Chrome, FieldErrors, PageError, PageResult,
};
use super::paging::{Asked, Pager, PAGE_SIZE};
use super::session::{Role, Viewer};
use crate::state::AppState;

/// The link routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/links", get(list).post(new::create))
        .route("/links/new", get(new::form))
        .route("/links/{id}", get(link_page))
        .route("/links/{id}/status", post(set_status))
        .route("/links/{id}/messages", post(add_message))
}

/// Longest message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 5000;

/// One link in a list (the links page, a case page).
pub struct Row {
    /// Its page.
    pub href: String,
    /// The child profile's label and ages.
    pub child: String,
    /// The family's name.
    pub family: String,
    /// The organisation of the other side (of the child's side when both are the viewer's).
    pub other_org: String,
    /// Its status in words.
    pub status: &'static str,
    /// When it last changed.
    pub updated: String,
}

#[derive(Template)]
#[template(path = "links_list.html")]
struct ListPage {
    c: Chrome,
    rows: Vec<Row>,
    pager: Pager,
    status: String,
    statuses: [LinkStatus; 11],
    errors: FieldErrors,
}

/// The list's filter.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    status: String,
}

#[tracing::instrument(name = "GET /links", skip_all, fields(user.id = %viewer.user_id))]
async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<ListQuery>,
    asked: Asked,
) -> PageResult {
    let mut errors = FieldErrors::new();
    let status = if q.status.is_empty() {
        None
    } else if let Ok(s) = q.status.parse::<LinkStatus>() {
        Some(s)
    } else {
        errors.add("status", "Choose one of the statuses in the list.");
        None
    };
    let (scope, binds) = scope(&viewer, status)?;
    let (total,): (i64,) = if errors.is_empty() {
        let sql = format!("SELECT COUNT(*) FROM links l WHERE {scope}");
        profiles::bound(&sql, &binds)
            .fetch_one(state.db.reader())
            .await?
    } else {
        (0,)
    };
    let pager = Pager::new(asked, total, PAGE_SIZE, "/links").keeping("status", &q.status);
    let rows = if total > 0 {
        listed(&state, &scope, &binds, viewer.org_id, Some(&pager)).await?
    } else {
        Vec::new()
    };
    let page = ListPage {
        c: Chrome::new(&viewer, "Links", "/links"),
        rows,
        pager,
        status: q.status,
        statuses: LinkStatus::ALL,
        errors,
    };
    if page.errors.is_empty() {
        render(&page)
    } else {
        render_invalid(&page)
    }
}

/// The condition on links `l` (with its binds) the viewer may list: staff, every link their
/// organisation is a side of; a family, the links of their own profile.
fn scope(viewer: &Viewer, status: Option<LinkStatus>) -> PageResult<(String, Vec<String>)> {
    let (scope, who) = match (viewer.role, viewer.org_id) {
        (Role::Manager | Role::Practitioner, Some(org)) => {
            ("(l.child_org = $1 OR l.family_org = $1)", org.to_string())
        }
        (Role::Family, Some(_)) => (
            "l.family_profile_id IN (SELECT id FROM family_profiles WHERE account_user_id = $1)",
            viewer.user_id.to_string(),
        ),
        _ => return Err(PageError::Forbidden("only staff and families have links")),
    };
    Ok(match status {
        Some(s) => (
            format!("{scope} AND l.status = $2"),
            vec![who, s.as_str().to_owned()],
        ),
        None => (scope.to_owned(), vec![who]),
    })
}

/// The links `l` meeting `scope` (with `binds` as `$1`...), newest change first, as
/// organisation `viewer_org` sees them, all or one page's; the caller has authorised the scope.
pub async fn listed(
    state: &AppState,
    scope: &str,
    binds: &[String],
    viewer_org: Option<OrgId>,
    window: Option<&Pager>,
) -> Result<Vec<Row>, PageError> {
    let mut sql = format!(
        "SELECT {} FROM links l WHERE {scope} ORDER BY l.updated_at DESC, l.id",
        access::COLUMNS
    );
    if window.is_some() {
        sql = format!(
            "{sql} LIMIT ${} OFFSET ${}",
            binds.len() + 1,
            binds.len() + 2
        );
    }
    let mut query = profiles::bound::<access::Row>(&sql, binds);
    if let Some(pager) = window {
        query = query.bind(pager.limit()).bind(pager.offset());
    }
    let links = query
        .fetch_all(state.db.reader())
        .await?
        .into_iter()
        .map(access::decode)
        .collect::<Result<Vec<Link>, PageError>>()?;
    let (children, families) = profiles_of(state, &links).await?;
    let mut out = Vec::new();
    for link in links {
        let child = children.iter().find(|c| c.id == link.child_profile);
        let family = families.iter().find(|f| f.id == link.family_profile);
        let (Some(child), Some(family)) = (child, family) else {
            continue;
        };
        let other = if Some(link.child_org) == viewer_org && link.family_org != link.child_org {
            &family.org_name
        } else {
            &child.org_name
        };
        out.push(Row {
            href: change::path(link.id),
            child: format!("{} ({})", child.label, child.ages_text()),
            family: family.name.clone(),
            other_org: other.clone(),
            status: link.status.words(),
            updated: when(link.updated_at),
        });
    }
    Ok(out)
}

/// The child and family profiles `links` name (and only those, so a page reads no more).
async fn profiles_of(
    state: &AppState,
    links: &[Link],
) -> Result<(Vec<ChildSummary>, Vec<FamilySummary>), PageError> {
    if links.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let ids = |of: &dyn Fn(&Link) -> String| {
        let mut ids: Vec<String> = links.iter().map(of).collect();
        ids.sort_unstable();
        ids.dedup();
        let marks: Vec<String> = (1..=ids.len()).map(|n| format!("${n}")).collect();
        (format!("p.id IN ({})", marks.join(", ")), ids)
    };
    let (condition, binds) = ids(&|l| l.child_profile.to_string());
    let children = profiles::children(state, &condition, &binds).await?;
    let (condition, binds) = ids(&|l| l.family_profile.to_string());
    let families = profiles::families(state, &condition, &binds).await?;
    Ok((children, families))
}

#[tracing::instrument(name = "GET /links/{id}", skip_all, fields(user.id = %viewer.user_id))]
async fn link_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id<LinkId>,
    RawQuery(query): RawQuery,
) -> PageResult {
    let (mut link, access) = access::load(&state, id, &viewer).await?;
    if link.status == LinkStatus::Sent && access.sides().contains(&Side::ChildSide) {
        change::mark_viewed(&state, &link, viewer.user_id).await?;
        link = access::load(&state, id, &viewer).await?.0;
    }
    let window = show::Window::from_query(query.as_deref().unwrap_or(""));
    let page = show::page(
        &state,
        &viewer,
        (&link, &access),
        &window,
        FieldErrors::new(),
        Default::default(),
    )
    .await?;
    render(&page)
}

/// The step form: where to go, where the page showed the link, and a reason to decline.
#[derive(Deserialize)]
pub struct StepForm {
    to: String,
    from: String,
    #[serde(default)]
    reason: String,
}

#[tracing::instrument(
    name = "POST /links/{id}/status",
    skip_all,
    fields(user.id = %viewer.user_id)
)]
async fn set_status(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id<LinkId>,
    Form(f): Form<StepForm>,
) -> PageResult {
    let (link, access) = access::load(&state, id, &viewer).await?;
    let sides = access.staff_sides()?;
    let bad = || PageError::BadRequest("the form was not one this app sends");
    let to: LinkStatus = f.to.parse().map_err(|_| bad())?;
    let from: LinkStatus = f.from.parse().map_err(|_| bad())?;
    if from != link.status {
        return Err(PageError::Conflict(
            "the link changed while you were looking at it; reload the page to see where it \
             stands now",
        ));
    }
    access::check_step(from, to, sides)?;
    let reason = if to == LinkStatus::Declined {
        match form::required(&f.reason, 2000, true) {
            Ok(r) => Some(r),
            Err(m) => {
                let refused = ("reason", m, (String::new(), f.reason));
                return show::invalid(&state, &viewer, (&link, &access), refused).await;
            }
        }
    } else {
        None
    };
    change::step(&state, &link, viewer.user_id, (from, to), reason.as_deref()).await?;
    Ok(see_other(&change::path(id)))
}

/// The message form.
#[derive(Deserialize)]
pub struct MessageForm {
    #[serde(default)]
    body: String,
}

#[tracing::instrument(
    name = "POST /links/{id}/messages",
    skip_all,
    fields(user.id = %viewer.user_id)
)]
async fn add_message(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id<LinkId>,
    Form(f): Form<MessageForm>,
) -> PageResult {
    let (link, access) = access::load(&state, id, &viewer).await?;
    access.staff_sides()?;
    match form::required(&f.body, MAX_MESSAGE_CHARS, true) {
        Ok(body) => {
            change::message(&state, &link, viewer.user_id, &body).await?;
            Ok(see_other(&format!("{}#messages", change::path(id))))
        }
        Err(m) => {
            let refused = ("body", m, (f.body, String::new()));
            show::invalid(&state, &viewer, (&link, &access), refused).await
        }
    }
}
