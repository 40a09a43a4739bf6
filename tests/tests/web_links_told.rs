//! Who is told of what on a link, sentence by sentence as docs/web-app.md ("Who is told, and
//! who sees what") says it: the child's and the family's social workers and the practitioner
//! who sent the link, whichever organisation made the change; never the person who made it;
//! the adopter's own account for a new link and every change of status, in words of its own
//! and never of messages or decline reasons; no removed or pending account; no profile
//! detail, message or decline reason in any e-mail. And notifications written
//! within one second still list newest first, on /notifications, the dashboard and the
//! platform admin's outbox.

#[path = "accounts/steps.rs"]
mod steps;

use vault_core::ids::UserId;
use vault_tests::platform::Platform;
use vault_tests::web::{self, Account, Browser, Page};
use vault_tests::web_fixtures::{self, pool, send, signed_in, Sides};

/// What a staff member reads of a link moving to `status` (as its page words it).
fn moved(status: &str) -> String {
    format!("A link you work on is now: {status}")
}

/// What the adopter reads of their link moving to `status`.
fn theirs(status: &str) -> String {
    format!("An expression of interest for your family is now: {status}")
}

const SENT: &str = "A new expression of interest for a child profile you work on";
const MESSAGE: &str = "New message on a link you work on";

/// The texts of `person`'s notifications about the page `path`, oldest first.
async fn told(platform: &Platform, person: UserId, path: &str) -> Vec<String> {
    let pool = pool(platform).await;
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT text FROM notifications WHERE user_id = $1 AND path = $2 \
         ORDER BY created_at, id",
    )
    .bind(person.to_string())
    .bind(path)
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    rows.into_iter().map(|(text,)| text).collect()
}

/// Posts the step `from` -> `to` (with `reason`, for a decline) on the link at `path`.
async fn step(browser: &mut Browser, path: &str, (from, to): (&str, &str), reason: &str) -> Page {
    browser.get(path).await;
    let fields = [("from", from), ("to", to), ("reason", reason)];
    let page = browser.post(&format!("{path}/status"), &fields).await;
    assert_eq!(page.status, 303, "{from} -> {to}: {}", page.body);
    page
}

/// [`Sides`] with Mo, a manager at the child's organisation; Pat, a practitioner at the
/// family's organisation who is not its social worker; and Sam, the family's own account.
struct People {
    sides: Sides,
    mo: UserId,
    pat: UserId,
    sam: UserId,
}

async fn people() -> People {
    let sides = web_fixtures::two_sides().await;
    let platform = &sides.platform;
    let mo = web::account(
        platform,
        sides.north,
        "mo@north.example",
        "Mo",
        Account::Manager,
    );
    let mo = mo.await;
    let pat = Account::Practitioner;
    let pat = web::account(platform, sides.bright, "pat@bright.example", "Pat", pat).await;
    let sam = web::account(
        platform,
        sides.bright,
        "sam@family.example",
        "Sam",
        Account::Family,
    );
    let sam = sam.await;
    web_fixtures::exec(
        platform,
        "UPDATE family_profiles SET account_user_id = $1 WHERE id = $2",
        &[&sam.to_string(), &sides.family.to_string()],
    )
    .await;
    People {
        sides,
        mo,
        pat,
        sam,
    }
}

#[tokio::test]
async fn both_social_workers_and_the_sender_are_told_of_each_change_but_not_its_maker() {
    let p = people().await;
    let w = &p.sides;
    let mut pat = signed_in(&w.platform, "pat@bright.example").await;
    let path = send(&mut pat, w.child, w.family).await;
    let mut nia = signed_in(&w.platform, "nia@north.example").await;
    assert_eq!(
        nia.get(&path).await.status,
        200,
        "Nia's first look marks it viewed"
    );
    let mut mo = signed_in(&w.platform, "mo@north.example").await;
    step(&mut mo, &path, ("viewed", "in_discussion"), "").await;
    let mut bo = signed_in(&w.platform, "bo@bright.example").await;
    bo.get(&path).await;
    let said = bo
        .post(
            &format!("{path}/messages"),
            &[("body", "Our report is ready.")],
        )
        .await;
    assert_eq!(said.status, 303);
    let reason = "The children need to stay local.";
    step(&mut nia, &path, ("in_discussion", "declined"), reason).await;

    let (viewed, talking, declined) = (moved("viewed"), moved("in discussion"), moved("declined"));
    assert_eq!(
        told(&w.platform, w.nia, &path).await,
        [SENT, &talking, MESSAGE],
        "the child's social worker: not her own view or decline, but her manager's step"
    );
    assert_eq!(
        told(&w.platform, w.bo, &path).await,
        [SENT, &viewed, &talking, &declined],
        "the family's social worker, though a colleague sent the link: not his own message"
    );
    assert_eq!(
        told(&w.platform, p.pat, &path).await,
        [viewed.as_str(), &talking, MESSAGE, &declined],
        "the practitioner who sent it: not the sending"
    );
    assert!(
        told(&w.platform, p.mo, &path).await.is_empty(),
        "the manager is neither a social worker on the link nor its sender"
    );
    assert_eq!(
        told(&w.platform, p.sam, &path).await,
        [
            theirs("sent"),
            theirs("viewed"),
            theirs("in discussion"),
            theirs("declined")
        ],
        "the adopter: each status, no message"
    );
    let leaks = web_fixtures::number(
        &w.platform,
        "SELECT COUNT(*) FROM outbox WHERE (body || subject) LIKE '%stay local%' \
         OR (body || subject) LIKE '%report is ready%' OR (body || subject) LIKE '%Amy%' \
         OR (body || subject) LIKE '%Sam and Alex%'",
        &[],
    )
    .await;
    assert_eq!(
        leaks, 0,
        "no decline reason, message or profile detail in any e-mail"
    );
    let to_sam = "SELECT body FROM outbox WHERE to_address = 'sam@family.example' \
                  ORDER BY created_at, id";
    let body = web_fixtures::text(&w.platform, to_sam, &[]).await;
    assert!(body.starts_with(&theirs("sent")), "{body}");
    assert!(body.contains(&format!("{path}\n")), "{body}");
    assert!(
        body.contains("because your family's social worker gave you an account"),
        "{body}"
    );
}

#[tokio::test]
async fn an_adopter_who_sent_the_link_hears_of_its_steps_but_not_of_messages() {
    let p = people().await;
    let w = &p.sides;
    let mut sam = signed_in(&w.platform, "sam@family.example").await;
    let path = send(&mut sam, w.child, w.family).await;
    assert_eq!(
        told(&w.platform, w.nia, &path).await,
        [SENT],
        "the child's social worker"
    );
    assert_eq!(
        told(&w.platform, w.bo, &path).await,
        [SENT],
        "the family's social worker"
    );
    assert!(
        told(&w.platform, p.sam, &path).await.is_empty(),
        "not of their own sending"
    );

    let mut nia = signed_in(&w.platform, "nia@north.example").await;
    nia.get(&path).await;
    let said = nia
        .post(&format!("{path}/messages"), &[("body", "Hello both.")])
        .await;
    assert_eq!(said.status, 303);
    assert_eq!(told(&w.platform, p.sam, &path).await, [theirs("viewed")]);
    assert_eq!(
        told(&w.platform, w.bo, &path).await,
        [SENT, &moved("viewed"), MESSAGE]
    );
}

#[tokio::test]
async fn removed_and_pending_accounts_are_told_nothing() {
    let p = people().await;
    let w = &p.sides;
    let mut pat = signed_in(&w.platform, "pat@bright.example").await;
    let path = send(&mut pat, w.child, w.family).await;
    for (gone, status) in [(p.pat, "removed"), (p.sam, "pending")] {
        web_fixtures::exec(
            &w.platform,
            "UPDATE users SET status = $1 WHERE id = $2",
            &[status, &gone.to_string()],
        )
        .await;
    }
    let mut nia = signed_in(&w.platform, "nia@north.example").await;
    nia.get(&path).await;
    assert_eq!(
        told(&w.platform, w.bo, &path).await,
        [SENT, &moved("viewed")]
    );
    assert!(told(&w.platform, p.pat, &path).await.is_empty());
    assert_eq!(
        told(&w.platform, p.sam, &path).await,
        [theirs("sent")],
        "only before"
    );
}

/// Asserts that `texts` appear on `page` in the order given.
fn in_order(page: &Page, texts: &[String], what: &str) {
    let at: Vec<usize> = texts
        .iter()
        .map(|t| {
            page.body
                .find(t.as_str())
                .unwrap_or_else(|| panic!("{what}: no {t}"))
        })
        .collect();
    assert!(
        at.windows(2).all(|w| w[0] < w[1]),
        "{what}: {texts:?} at {at:?}"
    );
}

#[tokio::test]
async fn changes_within_one_second_list_newest_first() {
    let w = web_fixtures::two_sides().await;
    let mut bo = signed_in(&w.platform, "bo@bright.example").await;
    let path = send(&mut bo, w.child, w.family).await;
    let mut nia = signed_in(&w.platform, "nia@north.example").await;
    nia.get(&path).await;
    let path_steps = [
        "viewed",
        "in_discussion",
        "reports_exchanged",
        "visit",
        "matching_panel",
        "matched",
        "placed",
    ];
    for pair in path_steps.windows(2) {
        step(&mut nia, &path, (pair[0], pair[1]), "").await;
    }
    // Every row in the same second, as quick clicks make them: only the ids order them.
    web_fixtures::exec(
        &w.platform,
        "UPDATE notifications SET created_at = 1000",
        &[],
    )
    .await;
    web_fixtures::exec(&w.platform, "UPDATE outbox SET created_at = 1000", &[]).await;
    let newest: Vec<String> = ["placed", "matched", "matching panel", "visit"]
        .iter()
        .map(|s| moved(s))
        .collect();

    let list = bo.get("/notifications").await;
    assert_eq!(list.status, 200);
    in_order(&list, &newest, "/notifications");
    let dashboard = bo.get("/dashboard").await;
    in_order(&dashboard, &newest, "the dashboard");
    let mut admin = Browser::new(&w.platform.url);
    admin.sign_in(steps::ADMIN.0, steps::ADMIN.1).await;
    let outbox = admin.get("/admin/outbox").await;
    assert_eq!(outbox.status, 200);
    in_order(&outbox, &newest, "/admin/outbox");
}
