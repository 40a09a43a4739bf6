//! One sweep over every page and form of the web app that takes an id: a practitioner, a
//! manager and an adopter of a third organisation try the ids of Northshire's and
//! Brightwater's children, families, link, messages, case, members and notifications. Staff
//! get 404, the same as an id that does not exist (a practitioner is turned away from
//! managers' member pages by role, 403, before any id is read); the adopter gets 403 or 404;
//! nobody gets a byte of the records, and nothing they post changes anything.

use vault_core::ids::{CaseId, OrgId, UserId};
use vault_tests::platform::Platform;
use vault_tests::web::{self, Account, Browser, Page, PASSWORD};
use vault_tests::web_fixtures::{
    self, child_profile, family_profile, number, send, signed_in, two_sides, Child, Family, Sides,
};

/// Words that appear only in Northshire's and Brightwater's records.
const PRIVATE_WORDS: [&str; 6] = [
    "Amy",
    "Ben",
    "Sam and Alex",
    "Cara",
    "Dee and Eli",
    "would love to hear",
];

/// What the outsiders try: pages to open and forms to post, with the fields each form has.
struct Targets {
    gets: Vec<String>,
    posts: Vec<(String, Vec<(&'static str, String)>)>,
    /// Paths that only Northshire may open, to prove the 404s were not broken pages.
    own: Vec<String>,
}

/// The records of the two organisations, and what to try on them.
struct World {
    sides: Sides,
    private_child: String,
    link: String,
    pending: String,
    notification: String,
    targets: Targets,
}

fn assert_hidden(page: &Page, what: &str) {
    for word in PRIVATE_WORDS {
        assert!(
            !page.body.contains(word),
            "{what} shows {word:?}: {}",
            page.body
        );
    }
}

#[tokio::test]
async fn another_organisations_ids_answer_not_found_on_every_page_and_form() {
    let world = world().await;
    let platform = &world.sides.platform;
    let east = web::organisation(platform, "Eastmoor Fostering").await;
    let people = [
        ("eve@east.example", Account::Practitioner),
        ("max@east.example", Account::Manager),
        ("fay@east.example", Account::Family),
    ];
    for (email, kind) in people {
        web::account(platform, east, email, email, kind).await;
        let mut outsider = Browser::new(&platform.url);
        outsider.sign_in(email, PASSWORD).await;
        try_everything(&mut outsider, email, kind, &world.targets).await;
    }
    nothing_changed(&world).await;

    let mut nia = signed_in(platform, "nia@north.example").await;
    for path in &world.targets.own {
        let page = nia.get(path).await;
        assert_eq!(page.status, 200, "Northshire GET {path}: {}", page.body);
    }
}

/// What `kind` must be answered on `path`.
fn refused(kind: Account, path: &str, status: u16) -> bool {
    match kind {
        Account::Family => matches!(status, 403 | 404),
        Account::Practitioner if path.starts_with("/members/") => status == 403,
        _ => status == 404,
    }
}

async fn try_everything(outsider: &mut Browser, email: &str, kind: Account, targets: &Targets) {
    for path in &targets.gets {
        let page = outsider.get(path).await;
        assert!(
            refused(kind, path, page.status),
            "{email} GET {path}: {}",
            page.status
        );
        assert_hidden(&page, path);
    }
    for (path, fields) in &targets.posts {
        outsider.get("/dashboard").await;
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let page = outsider.post(path, &fields).await;
        assert!(
            refused(kind, path, page.status),
            "{email} POST {path}: {}",
            page.status
        );
        assert_hidden(&page, path);
    }
}

async fn nothing_changed(world: &World) {
    let platform = &world.sides.platform;
    let count = |sql: &'static str, id: String| async move { number(platform, sql, &[&id]).await };
    let outside = "hello from outside".to_owned();
    let checks = [
        (
            "SELECT COUNT(*) FROM link_messages WHERE body = $1",
            outside,
            0,
        ),
        (
            "SELECT COUNT(*) FROM users WHERE id = $1 AND status = 'pending'",
            world.pending.clone(),
            1,
        ),
        (
            "SELECT COUNT(*) FROM users WHERE id = $1 AND status = 'active'",
            world.sides.nia.to_string(),
            1,
        ),
        (
            "SELECT COUNT(*) FROM links WHERE status = 'sent' AND child_profile_id = $1",
            world.sides.child.to_string(),
            1,
        ),
        (
            "SELECT COUNT(*) FROM links WHERE child_profile_id = $1",
            world.private_child.clone(),
            0,
        ),
        (
            "SELECT COUNT(*) FROM notifications WHERE id = $1 AND read_at IS NULL",
            world.notification.clone(),
            1,
        ),
        (
            "SELECT COUNT(*) FROM child_profiles WHERE id = $1 AND region = 'North West'",
            world.private_child.clone(),
            1,
        ),
    ];
    for (sql, id, expected) in checks {
        assert_eq!(count(sql, id).await, expected, "{sql}");
    }
    assert!(!world.link.is_empty());
}

/// Northshire's private child, Brightwater's private family, a link with a message between
/// their shared profiles, a vault case, a waiting registration and a notification.
async fn world() -> World {
    let sides = two_sides().await;
    let platform = &sides.platform;
    let cara = Child {
        children: &[("Cara", 3)],
        visibility: "own",
        ..Child::default()
    };
    let child = child_profile(platform, sides.north, sides.nia, cara)
        .await
        .to_string();
    let dee = Family {
        name: "Dee and Eli",
        visibility: "own",
        ..Family::default()
    };
    let family = family_profile(platform, sides.bright, sides.bo, dee)
        .await
        .to_string();
    let mut bo = signed_in(platform, "bo@bright.example").await;
    let link = send(&mut bo, sides.child, sides.family).await;
    let case = CaseId::new().to_string();
    web_fixtures::exec(
        platform,
        "INSERT INTO cases (id, org_id, reference, case_key, envelope, created_at) \
         VALUES ($1, $2, 'NS-2026-041', 'age1none', '{}', 1)",
        &[&case, &sides.north.to_string()],
    )
    .await;
    let pending = register_pending(platform, sides.north).await.to_string();
    let notification = web_fixtures::text(
        platform,
        "SELECT id FROM notifications WHERE user_id = $1",
        &[&sides.nia.to_string()],
    )
    .await;
    let targets = targets(
        &sides,
        &child,
        &family,
        &link,
        &case,
        &pending,
        &notification,
    );
    World {
        sides,
        private_child: child,
        link,
        pending,
        notification,
        targets,
    }
}

fn targets(
    sides: &Sides,
    child: &str,
    family: &str,
    link: &str,
    case: &str,
    pending: &str,
    notification: &str,
) -> Targets {
    let nia = sides.nia;
    let gets = vec![
        format!("/children/{child}"),
        format!("/children/{child}/edit"),
        format!("/children/{child}/photo"),
        format!("/families/{family}"),
        format!("/families/{family}/edit"),
        format!("/families/{family}/photo"),
        format!("/links/new?child={child}"),
        link.to_owned(),
        format!("/cases/{case}"),
        format!("/members/{nia}"),
        format!("/members/{pending}"),
        format!("/search/families?child={}", sides.child),
        format!("/search/children?family={}", sides.family),
    ];
    let posts = vec![
        (
            format!("/children/{child}/edit"),
            vec![("region", "Elsewhere".to_owned())],
        ),
        (format!("/children/{child}/photo/remove"), vec![]),
        (format!("/children/{}/photo/remove", sides.child), vec![]),
        (
            format!("/families/{family}/edit"),
            vec![("name", "Taken".to_owned())],
        ),
        (format!("/families/{family}/photo/remove"), vec![]),
        (format!("/families/{}/photo/remove", sides.family), vec![]),
        (
            format!("{link}/status"),
            vec![("to", "withdrawn".to_owned()), ("from", "sent".to_owned())],
        ),
        (
            format!("{link}/messages"),
            vec![("body", "hello from outside".to_owned())],
        ),
        (
            format!("/members/{pending}/approve"),
            vec![("role", "practitioner".to_owned())],
        ),
        (format!("/members/{pending}/refuse"), vec![]),
        (format!("/members/{nia}/remove"), vec![]),
        (format!("/notifications/{notification}/open"), vec![]),
        (
            "/links".to_owned(),
            vec![
                ("child", child.to_owned()),
                ("family", sides.family.to_string()),
            ],
        ),
    ];
    let own = vec![
        format!("/children/{child}"),
        link.to_owned(),
        format!("/cases/{case}"),
    ];
    Targets { gets, posts, own }
}

/// A registration waiting in Northshire, as the registration form makes it.
async fn register_pending(platform: &Platform, org: OrgId) -> UserId {
    let mut browser = Browser::new(&platform.url);
    browser.get("/register").await;
    let org = org.to_string();
    let page = browser
        .post(
            "/register",
            &[
                ("org", org.as_str()),
                ("kind", "staff"),
                ("name", "Pat Waiting"),
                ("email", "pat@north.example"),
                ("password", PASSWORD),
                ("confirm", PASSWORD),
                ("invite", ""),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let id = web_fixtures::text(
        platform,
        "SELECT id FROM users WHERE email = $1",
        &["pat@north.example"],
    )
    .await;
    id.parse().unwrap()
}
