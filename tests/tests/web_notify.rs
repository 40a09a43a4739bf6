//! Notifications in the app (listing, opening, marking read, other people's answering 404)
//! and their e-mail through the outbox: delivered to an SMTP server when one is configured,
//! retried with the server's reply kept when it refuses, and a sender that stops with the
//! server.

#[path = "accounts/steps.rs"]
mod steps;

use std::time::Duration;

use steps::{account, fake_smtp, register, server_with_smtp, until, ADMIN, NEW_PASSWORD};
use vault_tests::platform::Platform;
use vault_tests::web::{Browser, PASSWORD};
use vault_tests::web_fixtures::{north_with_manager, number, pool, says, signed_in, text};

/// A pending practitioner `email` of a new organisation, approved by its manager through
/// the app at `url` (which tells them so); answers the person's id.
async fn approved(platform: &Platform, url: &str, email: &str) -> String {
    let (org, _) = north_with_manager(platform).await;
    register(&mut Browser::new(url), org, "staff", "Ana Lee", email, "").await;
    let pool = pool(platform).await;
    let (id, ..) = account(&pool, email).await.unwrap();
    let mut mo = Browser::new(url);
    mo.sign_in("mo@north.example", PASSWORD).await;
    mo.get(&format!("/members/{id}")).await;
    let page = mo
        .post(
            &format!("/members/{id}/approve"),
            &[("role", "practitioner")],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    id
}

#[tokio::test]
async fn the_dashboard_opens_a_notification_through_a_form_that_marks_it_read() {
    let platform = Platform::start().await;
    let ana = approved(&platform, &platform.url, "ana@north.example").await;
    let of_ana = "SELECT id FROM notifications WHERE user_id = $1";
    let id = text(&platform, of_ana, &[&ana]).await;
    let to = "SELECT path FROM notifications WHERE id = $1";
    let path = text(&platform, to, &[&id]).await;
    let mut browser = Browser::new(&platform.url);
    browser.sign_in("ana@north.example", NEW_PASSWORD).await;

    let dashboard = browser.get("/dashboard").await;
    assert_eq!(dashboard.status, 200);
    let said = "Your registration with Northshire Council was approved: welcome.";
    assert!(
        says(&dashboard, &format!("new {said}")),
        "{}",
        dashboard.body
    );
    let form =
        format!("<form method=\"post\" action=\"/notifications/{id}/open\" class=\"inline\">");
    assert!(dashboard.body.contains(&form), "{}", dashboard.body);
    let button = format!("<button type=\"submit\" class=\"link\" aria-label=\"Open: {said}\">");
    assert!(dashboard.shows(&button), "{}", dashboard.body);
    assert!(
        !dashboard.body.contains(&format!("href=\"{path}\">")),
        "no bare link"
    );

    let opened = browser
        .post(&format!("/notifications/{id}/open"), &[])
        .await;
    assert_eq!(opened.status, 303);
    assert_eq!(opened.location.as_deref(), Some(path.as_str()));
    let unread = "SELECT COUNT(*) FROM notifications WHERE id = $1 AND read_at IS NULL";
    assert_eq!(number(&platform, unread, &[&id]).await, 0);
    let dashboard = browser.get("/dashboard").await;
    assert!(says(&dashboard, said));
    assert!(
        !says(&dashboard, &format!("new {said}")),
        "{}",
        dashboard.body
    );
}

#[tokio::test]
async fn notifications_are_listed_opened_and_marked_read_by_their_owner_only() {
    let platform = Platform::start().await;
    let ana = approved(&platform, &platform.url, "ana@north.example").await;
    let pool = pool(&platform).await;
    let second = uuid::Uuid::new_v4().to_string();
    sqlx::query(
        "INSERT INTO notifications (id, user_id, text, path, created_at) \
         VALUES ($1, $2, 'Brightwater sent a message on a link', '/links', 1)",
    )
    .bind(&second)
    .bind(&ana)
    .execute(&pool)
    .await
    .unwrap();

    let mut browser = Browser::new(&platform.url);
    browser.sign_in("ana@north.example", NEW_PASSWORD).await;
    let list = browser.get("/notifications").await;
    assert_eq!(list.status, 200);
    assert!(list.shows("2 unread notifications."), "{}", list.body);
    assert!(list.shows("Your registration with Northshire Council was approved: welcome."));
    let newest = list.body.find("was approved").unwrap();
    assert!(
        newest < list.body.find("sent a message").unwrap(),
        "newest first"
    );
    assert!(list.body.contains("aria-label=\"2 unread\""));

    let opened = browser
        .post(&format!("/notifications/{second}/open"), &[])
        .await;
    assert_eq!(opened.status, 303);
    assert_eq!(opened.location.as_deref(), Some("/links"));
    let list = browser.get("/notifications").await;
    assert!(list.shows("1 unread notification."), "{}", list.body);

    let mut mo = signed_in(&platform, "mo@north.example").await;
    mo.get("/notifications").await;
    let theirs = mo.post(&format!("/notifications/{second}/open"), &[]).await;
    assert_eq!(theirs.status, 404);
    let nonsense = mo.post("/notifications/not-an-id/open", &[]).await;
    assert_eq!(nonsense.status, 404);
    let forged = browser
        .post_raw(&format!("/notifications/{second}/open"), &[])
        .await;
    assert_eq!(forged.status, 403);

    let all = browser.post("/notifications/read", &[]).await;
    assert_eq!(all.status, 303);
    let list = browser.get("/notifications").await;
    assert!(list.shows("All read."));
    assert!(!list.body.contains("class=\"badge\""));
    let (unread,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL")
            .bind(&ana)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(unread, 0);
    let (mo_unread,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id \
         WHERE u.email = 'mo@north.example'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(mo_unread, 0, "the manager was told nothing");
}

#[tokio::test]
async fn with_smtp_a_notification_is_e_mailed_once_and_marked_sent() {
    let platform = Platform::start().await;
    let (smtp, mut inbox) = fake_smtp(false).await;
    let url = server_with_smtp(&platform, &smtp).await;
    approved(&platform, &url, "ana@north.example").await;

    let mail = tokio::time::timeout(Duration::from_secs(30), inbox.recv())
        .await
        .expect("the e-mail arrives")
        .unwrap();
    assert_eq!(mail.to, "ana@north.example");
    assert!(mail
        .data
        .contains("Your registration with Northshire Council was approved"));
    assert!(mail.data.contains("/dashboard"));
    let pool = &pool(&platform).await;
    until("the row is marked sent", || async move {
        let (sent,): (Option<i64>,) =
            sqlx::query_as("SELECT sent_at FROM outbox WHERE to_address = $1")
                .bind("ana@north.example")
                .fetch_one(pool)
                .await
                .unwrap();
        sent.is_some()
    })
    .await;
    let mut admin = Browser::new(&platform.url);
    admin.sign_in(ADMIN.0, ADMIN.1).await;
    let outbox = admin.get("/admin/outbox").await;
    assert!(outbox.shows("sent "), "{}", outbox.body);
    assert!(!outbox.shows("waiting to be sent"));
    assert!(inbox.try_recv().is_err(), "sent once");
}

#[tokio::test]
async fn a_refusing_smtp_server_leaves_its_reply_and_a_later_attempt() {
    let platform = Platform::start().await;
    let (smtp, _inbox) = fake_smtp(true).await;
    let url = server_with_smtp(&platform, &smtp).await;
    approved(&platform, &url, "ana@north.example").await;
    let pool = &pool(&platform).await;
    let started = vault_server::db::now();
    let row = || async move {
        let row: (i64, Option<String>, i64, Option<i64>) = sqlx::query_as(
            "SELECT attempts, last_error, next_attempt_at, sent_at FROM outbox \
             WHERE to_address = $1",
        )
        .bind("ana@north.example")
        .fetch_one(pool)
        .await
        .unwrap();
        row
    };
    until(
        "the failure is recorded",
        || async move { row().await.0 > 0 },
    )
    .await;
    let (attempts, last_error, next, sent) = row().await;
    assert_eq!((attempts, sent), (1, None));
    let last_error = last_error.unwrap();
    assert!(last_error.contains("550"), "{last_error}");
    assert!(
        last_error.contains("mailbox unavailable here"),
        "{last_error}"
    );
    assert!(
        next >= started + 55,
        "a minute's pause: {next} vs {started}"
    );
}

#[tokio::test]
async fn the_sender_stops_with_the_server() {
    let platform = Platform::start().await;
    let (smtp, _inbox) = fake_smtp(false).await;
    let mut settings = platform.settings.clone();
    settings.smtp_url = Some(smtp.into());
    settings.shutdown_grace_secs = 1;
    let app = vault_server::App::new(settings).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.serve_with_shutdown(listener, async {
        let _ = stopped.await;
    }));
    stop.send(()).unwrap();
    let ended = tokio::time::timeout(Duration::from_secs(20), server).await;
    assert!(
        matches!(ended, Ok(Ok(Ok(())))),
        "the server returned: {ended:?}"
    );
}

#[tokio::test]
async fn a_busy_thread_sends_one_e_mail_until_the_news_is_read() {
    let sides = vault_tests::web_fixtures::two_sides().await;
    let platform = &sides.platform;
    let mut bo = signed_in(platform, "bo@bright.example").await;
    let link = vault_tests::web_fixtures::send(&mut bo, sides.child, sides.family).await;
    let news = "New message on a link you work on";
    let count = |table: &'static str| async move {
        let sql = match table {
            "outbox" => "SELECT COUNT(*) FROM outbox WHERE to_address = $1 AND subject = $2",
            _ => {
                "SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id \
                  WHERE u.email = $1 AND n.text = $2"
            }
        };
        number(platform, sql, &["nia@north.example", news]).await
    };
    for body in ["First question.", "Second question.", "Third question."] {
        bo.get(&link).await;
        let page = bo
            .post(&format!("{link}/messages"), &[("body", body)])
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
    }
    assert_eq!(
        count("notifications").await,
        3,
        "the app shows each message"
    );
    assert_eq!(
        count("outbox").await,
        1,
        "e-mail says it once while it is unread"
    );

    let mut nia = signed_in(platform, "nia@north.example").await;
    nia.get("/notifications").await;
    assert_eq!(nia.post("/notifications/read", &[]).await.status, 303);
    bo.get(&link).await;
    bo.post(&format!("{link}/messages"), &[("body", "After you read.")])
        .await;
    assert_eq!(
        count("outbox").await,
        2,
        "news after reading is e-mailed again"
    );
}
