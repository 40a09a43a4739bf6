//! Fixtures the web tests share: the platform's database (a pool, one-line statements and
//! queries), organisations with their first people, child and family profiles written
//! straight into the database as the profile forms would (so search, link and case tests do
//! not depend on the profile pages), a link sent through its form, and the page's text as a
//! reader sees it.

use sqlx::any::AnyPoolOptions;
use sqlx::AnyPool;
use vault_client::documents::DocumentView;
use vault_core::ids::{ChildProfileId, DocumentId, FamilyProfileId, OrgId, UserId};

use crate::platform::Platform;
use crate::web::{self, html_text, Account, Browser, Page, PASSWORD};

/// What the API answers for a document whose stored record was changed outside the server.
pub const DOCUMENT_DAMAGED: &str = "{\"error\":{\"code\":\"document_damaged\",\"message\":\
    \"the stored record of this document is damaged: the platform's operator must restore it \
    from a backup\"}}";

/// Signs `name` (a vault member made by [`Platform`]) in to the web app.
pub async fn member_browser(platform: &Platform, name: &str) -> Browser {
    use secrecy::ExposeSecret;
    let mut browser = Browser::new(&platform.url);
    let secret = crate::platform::password(name);
    browser
        .sign_in(&format!("{name}@example.org"), secret.expose_secret())
        .await;
    browser
}

/// An API read as the page's script makes it: session cookie and CSRF header.
pub async fn api_get(browser: &mut Browser, path: &str) -> Page {
    let token = browser.token();
    let headers = [("x-vault-csrf", token.as_str())];
    browser
        .api(reqwest::Method::GET, path, None, &headers)
        .await
}

/// vaultctl's listing as a test compares it: id, genuine, file name and problem.
#[must_use]
pub fn document_rows(
    listed: &[DocumentView],
) -> Vec<(DocumentId, bool, Option<&str>, Option<&str>)> {
    listed
        .iter()
        .map(|d| {
            (
                d.document_id,
                d.genuine,
                d.file_name.as_deref(),
                d.problem.as_deref(),
            )
        })
        .collect()
}

/// A pool on the platform's database.
pub async fn pool(platform: &Platform) -> AnyPool {
    sqlx::any::install_default_drivers();
    AnyPoolOptions::new()
        .max_connections(1)
        .connect(&platform.database_url)
        .await
        .unwrap()
}

/// Runs one statement with text parameters.
pub async fn exec(platform: &Platform, sql: &str, binds: &[&str]) {
    let pool = pool(platform).await;
    let mut query = sqlx::query(sql);
    for b in binds {
        query = query.bind(*b);
    }
    query.execute(&pool).await.unwrap();
    pool.close().await;
}

/// The one value of the one row `sql` answers, with text parameters.
async fn one<T>(platform: &Platform, sql: &str, binds: &[&str]) -> T
where
    T: Send + Unpin,
    (T,): for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
{
    let pool = pool(platform).await;
    let mut query = sqlx::query_as::<_, (T,)>(sql);
    for b in binds {
        query = query.bind(*b);
    }
    let (value,) = query.fetch_one(&pool).await.unwrap();
    pool.close().await;
    value
}

/// One number a query answers, such as a count.
pub async fn number(platform: &Platform, sql: &str, binds: &[&str]) -> i64 {
    one(platform, sql, binds).await
}

/// One text a query answers.
pub async fn text(platform: &Platform, sql: &str, binds: &[&str]) -> String {
    one(platform, sql, binds).await
}

/// Northshire Council, with its manager Mo Reid (`mo@north.example`, password
/// [`PASSWORD`]); answers the organisation and the manager.
pub async fn north_with_manager(platform: &Platform) -> (OrgId, UserId) {
    let org = web::organisation(platform, "Northshire Council").await;
    let mo = web::account(
        platform,
        org,
        "mo@north.example",
        "Mo Reid",
        Account::Manager,
    );
    (org, mo.await)
}

/// Northshire Council, with its practitioner Ana Lee (`ana@north.example`, password
/// [`PASSWORD`]); answers the organisation and the practitioner.
pub async fn north_with_practitioner(platform: &Platform) -> (OrgId, UserId) {
    let org = web::organisation(platform, "Northshire Council").await;
    let practitioner = Account::Practitioner;
    let ana = web::account(platform, org, "ana@north.example", "Ana Lee", practitioner);
    (org, ana.await)
}

/// A browser on `platform` signed in as `email` (password [`PASSWORD`]).
pub async fn signed_in(platform: &Platform, email: &str) -> Browser {
    let mut browser = Browser::new(&platform.url);
    browser.sign_in(email, PASSWORD).await;
    browser
}

/// The page's text as a reader sees it: tags removed (so `Status: <b>viewed</b>.` reads
/// "Status: viewed."), entities decoded, runs of white space made one space.
#[must_use]
pub fn page_text(page: &Page) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in page.body.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    let text = html_text(&out);
    let words: Vec<&str> = text.split_whitespace().collect();
    words.join(" ")
}

/// Whether a reader of the page sees `text`, whatever tags lie between its words.
#[must_use]
pub fn says(page: &Page, text: &str) -> bool {
    page_text(page).contains(text)
}

/// The current year (UTC), from the system clock, so ages in tests stay right every year.
#[must_use]
pub fn this_year() -> i64 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    // Civil-from-days (proleptic Gregorian), enough for a year.
    let days = i64::try_from(secs / 86_400).unwrap() + 719_468;
    let era = days.div_euclid(146_097);
    let doe = days - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let year = yoe + era * 400;
    if mp >= 10 {
        year + 1
    } else {
        year
    }
}

/// A child profile to write.
pub struct Child<'a> {
    /// Each child's name and age in whole years (born in January that many years ago).
    pub children: &'a [(&'a str, i64)],
    /// Stored legal status name.
    pub legal_status: &'a str,
    /// Region.
    pub region: &'a str,
    /// Health, development, education, contact need levels.
    pub needs: [&'a str; 4],
    /// own, named or all.
    pub visibility: &'a str,
}

impl Default for Child<'_> {
    fn default() -> Self {
        Self {
            children: &[("Amy", 4), ("Ben", 6)],
            legal_status: "placement_order",
            region: "North West",
            needs: ["high", "low", "none", "none"],
            visibility: "all",
        }
    }
}

/// Writes a child profile of `org` whose social worker is `worker`.
pub async fn child_profile(
    platform: &Platform,
    org: OrgId,
    worker: UserId,
    child: Child<'_>,
) -> ChildProfileId {
    let id = ChildProfileId::new();
    let pool = pool(platform).await;
    sqlx::query(
        "INSERT INTO child_profiles (id, org_id, social_worker, legal_status, region, \
            need_health, need_development, need_education, need_contact, needs_notes, likes, \
            personality, visibility, status, views, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, '', '', '', $10, 'active', 0, $3, 1, 1)",
    )
    .bind(id.to_string())
    .bind(org.to_string())
    .bind(worker.to_string())
    .bind(child.legal_status)
    .bind(child.region)
    .bind(child.needs[0])
    .bind(child.needs[1])
    .bind(child.needs[2])
    .bind(child.needs[3])
    .bind(child.visibility)
    .execute(&pool)
    .await
    .unwrap();
    for (position, (name, age)) in child.children.iter().enumerate() {
        sqlx::query(
            "INSERT INTO children (id, profile_id, position, name, birth_month, birth_year) \
             VALUES ($1, $2, $3, $4, 1, $5)",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(id.to_string())
        .bind(i64::try_from(position).unwrap())
        .bind(*name)
        .bind(this_year() - age)
        .execute(&pool)
        .await
        .unwrap();
    }
    pool.close().await;
    id
}

/// A family profile to write.
pub struct Family<'a> {
    /// The name the profile shows.
    pub name: &'a str,
    /// adoption or fostering.
    pub kind: &'a str,
    /// Health, development, education, contact levels they can meet.
    pub meet: [&'a str; 4],
    /// Youngest and eldest age they hope for.
    pub ages: (i64, i64),
    /// Most children at once.
    pub children_max: i64,
    /// Region.
    pub region: &'a str,
    /// own, named or all.
    pub visibility: &'a str,
    /// The adopter's own account.
    pub account: Option<UserId>,
}

impl Default for Family<'_> {
    fn default() -> Self {
        Self {
            name: "Sam and Alex",
            kind: "adoption",
            meet: ["high", "medium", "low", "low"],
            ages: (0, 6),
            children_max: 2,
            region: "North West",
            visibility: "all",
            account: None,
        }
    }
}

/// Writes a family profile of `org` whose social worker is `worker`.
pub async fn family_profile(
    platform: &Platform,
    org: OrgId,
    worker: UserId,
    family: Family<'_>,
) -> FamilyProfileId {
    let id = FamilyProfileId::new();
    let pool = pool(platform).await;
    sqlx::query(
        "INSERT INTO family_profiles (id, org_id, social_worker, account_user_id, name, \
            family_kind, adults, children_at_home, household, approval_status, approval_terms, \
            meet_health, meet_development, meet_education, meet_contact, age_min, age_max, \
            children_max, region, description, visibility, status, views, created_by, \
            created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 2, 0, '', 'approved', '', $7, $8, $9, $10, $11, $12, \
            $13, $14, '', $15, 'active', 0, $3, 1, 1)",
    )
    .bind(id.to_string())
    .bind(org.to_string())
    .bind(worker.to_string())
    .bind(family.account.map(|a| a.to_string()))
    .bind(family.name)
    .bind(family.kind)
    .bind(family.meet[0])
    .bind(family.meet[1])
    .bind(family.meet[2])
    .bind(family.meet[3])
    .bind(family.ages.0)
    .bind(family.ages.1)
    .bind(family.children_max)
    .bind(family.region)
    .bind(family.visibility)
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    id
}

/// Northshire, where Nia is the social worker of Amy and Ben, and Brightwater, where Bo is
/// the social worker of Sam and Alex (both profiles shown to all licensed organisations):
/// the two sides of most search and link stories.
pub struct Sides {
    pub platform: Platform,
    pub north: OrgId,
    pub bright: OrgId,
    pub nia: UserId,
    pub bo: UserId,
    pub child: ChildProfileId,
    pub family: FamilyProfileId,
}

/// Starts a platform with [`Sides`].
pub async fn two_sides() -> Sides {
    let platform = Platform::start().await;
    let north = web::organisation(&platform, "Northshire Council").await;
    let bright = web::organisation(&platform, "Brightwater Adoption Agency").await;
    let practitioner = Account::Practitioner;
    let nia = web::account(
        &platform,
        north,
        "nia@north.example",
        "Nia North",
        practitioner,
    );
    let nia = nia.await;
    let bo = web::account(
        &platform,
        bright,
        "bo@bright.example",
        "Bo Bright",
        practitioner,
    );
    let bo = bo.await;
    let child = child_profile(&platform, north, nia, Child::default()).await;
    let family = family_profile(&platform, bright, bo, Family::default()).await;
    Sides {
        platform,
        north,
        bright,
        nia,
        bo,
        child,
        family,
    }
}

/// Sends a link for `family` to `child` through the form, with a first message; answers its
/// path.
pub async fn send(browser: &mut Browser, child: ChildProfileId, family: FamilyProfileId) -> String {
    let form = browser.get(&format!("/links/new?child={child}")).await;
    assert_eq!(form.status, 200, "{}", form.body);
    let sent = post_link(browser, child, family).await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    sent.location.unwrap()
}

/// Posts the link form for `family` and `child` with a first message; answers the page.
pub async fn post_link(
    browser: &mut Browser,
    child: ChildProfileId,
    family: FamilyProfileId,
) -> Page {
    let (child, family) = (child.to_string(), family.to_string());
    browser
        .post(
            "/links",
            &[
                ("child", &child),
                ("family", &family),
                ("message", "Sam and Alex would love to hear more."),
            ],
        )
        .await
}

/// Asserts that `page` refused a link with 422 because the family already has as many open
/// links as its organisation allows; `open` is how the page counts them ("1 open link").
pub fn assert_at_cap(page: &Page, open: &str) {
    assert_eq!(page.status, 422, "{}", page.body);
    let message = format!(
        "This family already has {open}, the most your organisation allows. \
         Withdraw or close one first."
    );
    assert_eq!(page.field_error("family"), Some(message));
}

/// Asserts that `page` refused a link with 422 because its family is not one of the
/// poster's organisation's active families; `why` says which case this is.
pub fn assert_not_our_family(page: &Page, why: &str) {
    assert_eq!(page.status, 422, "{why}");
    assert_eq!(
        page.field_error("family").as_deref(),
        Some("Choose one of your organisation's active families."),
        "{why}"
    );
}
