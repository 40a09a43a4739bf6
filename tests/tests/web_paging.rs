//! Paging of the list pages: with 120 records a list shows 50 (100 notifications) and the
//! page links, the last page shows the rest, every record is on exactly one page, a filter
//! stays in the page links, and a page number that is not a number or past the end shows the
//! first or the last page instead of failing.

use vault_core::ids::{OrgId, UserId};
use vault_tests::platform::Platform;
use vault_tests::web::{Browser, Page};
use vault_tests::web_fixtures::{
    child_profile, exec, family_profile, north_with_manager, number, signed_in, Child, Family,
};

const MANY: usize = 120;

/// How many times `marker` stands on the page: one a row of the list.
fn rows(page: &Page, marker: &str) -> usize {
    page.body.matches(marker).count()
}

/// Whether the page has the link `link` (askama writes `&` in attributes as `&#38;`).
fn has_link(page: &Page, link: &str) -> bool {
    page.body.replace("&#38;", "&").contains(link)
}

/// Opens every page of the list at `path` (which may carry a filter) and checks the rows
/// per page, the navigation, and that odd page numbers land on the first or last page.
async fn check_pages(browser: &mut Browser, path: &str, marker: &str, total: usize, size: usize) {
    let pages = total.div_ceil(size);
    let sep = if path.contains('?') { '&' } else { '?' };
    let at = |n: &str| format!("{path}{sep}page={n}");
    for n in 1..=pages {
        let page = browser.get(&at(&n.to_string())).await;
        assert_eq!(page.status, 200, "{path} page {n}: {}", page.body);
        let expected = if n < pages {
            size
        } else {
            total - size * (pages - 1)
        };
        assert_eq!(rows(&page, marker), expected, "{path} page {n}");
        assert!(page.body.contains("<nav aria-label=\"Pages\""), "{path}");
        assert!(
            page.shows(&format!("Page {n} of {pages}")),
            "{path} page {n}"
        );
        let prev = format!("href=\"{}\" rel=\"prev\"", at(&(n - 1).to_string()));
        let next = format!("href=\"{}\" rel=\"next\"", at(&(n + 1).to_string()));
        assert_eq!(has_link(&page, &prev), n > 1, "{path} page {n}: {prev}");
        assert_eq!(has_link(&page, &next), n < pages, "{path} page {n}: {next}");
    }
    let first = browser.get(path).await;
    assert!(first.shows(&format!("Page 1 of {pages}")), "{path}");
    for (odd, shown) in [("abc", 1), ("0", 1), ("-3", 1), ("999", pages)] {
        let page = browser.get(&at(odd)).await;
        assert_eq!(page.status, 200, "{path} page {odd}: {}", page.body);
        assert!(
            page.shows(&format!("Page {shown} of {pages}")),
            "{path} page {odd}"
        );
    }
}

/// Every one of `names` stands on exactly one page of the list at `path`.
async fn each_once(browser: &mut Browser, path: &str, names: &[String], pages: usize) {
    let mut seen = vec![0; names.len()];
    for n in 1..=pages {
        let page = browser.get(&format!("{path}?page={n}")).await;
        for (i, name) in names.iter().enumerate() {
            seen[i] += page.body.matches(&format!(">{name}")).count();
        }
    }
    assert!(seen.iter().all(|&n| n == 1), "{path}: {seen:?}");
}

/// 120 child profiles, family profiles, links between them, cases, members and
/// notifications of `org`, whose manager is `manager`.
async fn fill(platform: &Platform, org: OrgId, manager: UserId) -> Vec<String> {
    let names: Vec<String> = (1..=MANY).map(|i| format!("Kid {i:03}")).collect();
    let (org_id, by) = (org, manager.to_string());
    let org = org_id.to_string();
    for (i, name) in names.iter().enumerate() {
        let kids = [(name.as_str(), 4)];
        let child = Child {
            children: &kids,
            ..Child::default()
        };
        let child = child_profile(platform, org_id, manager, child).await;
        let family_name = format!("Family {i:03}");
        let family = Family {
            name: &family_name,
            ..Family::default()
        };
        let family = family_profile(platform, org_id, manager, family).await;
        let (child, family) = (child.to_string(), family.to_string());
        let id = || uuid::Uuid::new_v4().to_string();
        exec(
            platform,
            "INSERT INTO links (id, child_profile_id, family_profile_id, child_org, family_org, \
                                status, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $4, 'sent', $5, 1, 1)",
            &[&id(), &child, &family, &org, &by],
        )
        .await;
        exec(
            platform,
            "INSERT INTO cases (id, org_id, reference, case_key, envelope, created_at) \
             VALUES ($1, $2, $3, 'key', '{}', 1)",
            &[&id(), &org, &format!("REF-{i:03}")],
        )
        .await;
        exec(
            platform,
            "INSERT INTO users (id, email, password_hash, kind, org_id, status, member_role, \
                                display_name, created_at) \
             VALUES ($1, $2, 'no password', 'staff', $3, 'active', 'practitioner', $4, 1)",
            &[
                &id(),
                &format!("worker{i}@north.example"),
                &org,
                &format!("Worker {i}"),
            ],
        )
        .await;
        exec(
            platform,
            "INSERT INTO notifications (id, user_id, text, path, created_at) \
             VALUES ($1, $2, $3, '/dashboard', 1)",
            &[&id(), &by, &format!("Something happened {i}")],
        )
        .await;
    }
    names
}

#[tokio::test]
async fn every_list_shows_pages_of_fifty_and_the_way_between_them() {
    let platform = Platform::start().await;
    let (north, manager) = north_with_manager(&platform).await;
    let mut browser = signed_in(&platform, "mo@north.example").await;
    let short = browser.get("/children").await;
    assert_eq!(short.status, 200);
    assert!(!short.body.contains("aria-label=\"Pages\""), "no pages yet");

    let names = fill(&platform, north, manager).await;
    let b = &mut browser;
    check_pages(b, "/children", "data-label=\"Children\"", MANY, 50).await;
    each_once(b, "/children", &names, 3).await;
    check_pages(b, "/families", "data-label=\"Family\"", MANY, 50).await;
    check_pages(b, "/links", "data-label=\"Child\"", MANY, 50).await;
    check_pages(b, "/links?status=sent", "data-label=\"Child\"", MANY, 50).await;
    each_once(b, "/links", &names, 3).await;
    check_pages(b, "/cases", "data-label=\"Reference\"", MANY, 50).await;
    // The manager is an active member too.
    check_pages(b, "/members", "data-label=\"Vault keys\"", MANY + 1, 50).await;
    check_pages(b, "/notifications", "/open\"", MANY, 100).await;
    let later = b.get("/notifications?page=2").await;
    assert!(later.shows("120 unread notifications."), "{}", later.body);

    let none = b.get("/links?status=placed").await;
    assert_eq!(none.status, 200);
    assert!(none.shows("No links with this status yet."));
    assert!(!none.body.contains("aria-label=\"Pages\""));
}

#[tokio::test]
async fn the_platform_admin_pages_through_organisations() {
    let platform = Platform::start().await;
    for i in 0..MANY {
        exec(
            &platform,
            "INSERT INTO orgs (id, name, invite_hash, created_at) VALUES ($1, $2, 'x', 1)",
            &[&uuid::Uuid::new_v4().to_string(), &format!("Agency {i:03}")],
        )
        .await;
    }
    let total = number(&platform, "SELECT COUNT(*) FROM orgs", &[]).await;
    let mut browser = Browser::new(&platform.url);
    browser
        .sign_in("admin@example.org", "password of admin")
        .await;
    let total = usize::try_from(total).unwrap();
    check_pages(
        &mut browser,
        "/admin/orgs",
        "data-label=\"Organisation\"",
        total,
        50,
    )
    .await;
}
