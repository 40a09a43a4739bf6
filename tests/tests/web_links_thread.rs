//! A link with a long message thread: its page shows the newest 100 messages in the order
//! they were written, with a link to the earlier ones, which open in the same order; any
//! `before` value that is not a message of this link shows the newest, never an error.

use vault_tests::web::{Browser, Page};
use vault_tests::web_fixtures::{self, pool, send, signed_in, Sides};

/// Messages written on the link.
const MANY: u64 = 120;

/// The text of message `n` (from 1), padded so that no message's text holds another's.
fn text(n: u64) -> String {
    format!("Message number {n:03} on this link.")
}

/// Writes [`MANY`] messages by `w.bo` on the link at `path` straight into the database, ten to
/// a second as a busy afternoon might, with ids ordered by time as the app makes them; answers
/// their ids, oldest first.
async fn many_messages(w: &Sides, path: &str) -> Vec<String> {
    let link = path.trim_start_matches("/links/");
    let pool = pool(&w.platform).await;
    let mut ids = Vec::new();
    for n in 1..=MANY {
        let id = uuid::Builder::from_unix_timestamp_millis(1_700_000_000_000 + n, &[7; 10]);
        let id = id.into_uuid().to_string();
        sqlx::query(
            "INSERT INTO link_messages (id, link_id, author, body, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&id)
        .bind(link)
        .bind(w.bo.to_string())
        .bind(text(n))
        .bind(1_700_000_000 + i64::try_from(n / 10).unwrap())
        .execute(&pool)
        .await
        .unwrap();
        ids.push(id);
    }
    pool.close().await;
    ids
}

/// Asserts that `page` shows exactly messages `first..=last` of [`many_messages`], in order.
fn shows_messages(page: &Page, first: u64, last: u64) {
    assert_eq!(page.status, 200, "{}", page.body);
    let mut at = 0;
    for n in 1..=MANY {
        let found = page.body.find(&text(n));
        if (first..=last).contains(&n) {
            let found = found.unwrap_or_else(|| panic!("message {n} is missing"));
            assert!(found > at, "message {n} out of order");
            at = found;
        } else {
            assert_eq!(found, None, "message {n} should be on another page");
        }
    }
}

/// [`Sides`] with a link Bo sent, whose thread is [`many_messages`] (the first message the
/// form wrote is removed): Bo's browser, the link's path and the messages' ids.
async fn long_thread() -> (Sides, Browser, String, Vec<String>) {
    let w = web_fixtures::two_sides().await;
    let mut bo = signed_in(&w.platform, "bo@bright.example").await;
    let path = send(&mut bo, w.child, w.family).await;
    web_fixtures::exec(&w.platform, "DELETE FROM link_messages", &[]).await;
    let ids = many_messages(&w, &path).await;
    (w, bo, path, ids)
}

#[tokio::test]
async fn a_long_thread_shows_the_newest_hundred_then_the_earlier_ones() {
    let (_platform_kept, mut bo, path, ids) = long_thread().await;

    let newest = bo.get(&path).await;
    shows_messages(&newest, 21, MANY);
    assert!(newest.shows("The newest 100 of 120 messages, oldest first."));
    let earlier = format!(
        "<a href=\"{path}?before={}#messages\" rel=\"prev\">",
        ids[20]
    );
    assert!(newest
        .body
        .contains(&format!("{earlier}Earlier messages</a>")));
    assert!(!newest.shows("Newest messages"));

    let back = bo.get(&format!("{path}?before={}", ids[20])).await;
    shows_messages(&back, 1, 20);
    assert!(back.shows("Earlier messages, oldest first."));
    assert!(back
        .body
        .contains(&format!("<a href=\"{path}#messages\">Newest messages</a>")));
    assert!(
        !back.shows("Earlier messages</a>"),
        "nothing before the first"
    );
    let middle = bo.get(&format!("{path}?before={}", ids[109])).await;
    shows_messages(&middle, 10, 109);

    let said = bo
        .post(&format!("{path}/messages"), &[("body", "One more.")])
        .await;
    assert_eq!(said.status, 303);
    let after = bo.get(&path).await;
    assert!(after.shows("The newest 100 of 121 messages, oldest first."));
    let last = after.body.find(&text(MANY)).expect("the last of the 120");
    assert!(last < after.body.find("One more.").expect("the new one"));
    assert_eq!(
        after.body.find(&text(21)),
        None,
        "the window moved on by one"
    );
}

#[tokio::test]
async fn a_before_that_is_no_message_of_this_link_shows_the_newest() {
    let (w, mut bo, path, _) = long_thread().await;
    let second = web_fixtures::Child {
        children: &[("Cal", 2)],
        ..web_fixtures::Child::default()
    };
    let second = web_fixtures::child_profile(&w.platform, w.north, w.nia, second).await;
    let other = send(&mut bo, second, w.family).await;
    let elsewhere = web_fixtures::text(
        &w.platform,
        "SELECT id FROM link_messages WHERE link_id = $1",
        &[other.trim_start_matches("/links/")],
    )
    .await;

    let odd = [
        "nonsense".to_owned(),
        String::new(),
        "%ZZ".to_owned(),
        uuid::Uuid::new_v4().to_string(),
        elsewhere,
        "1&before=2".to_owned(),
        "x&page=-1&before".to_owned(),
    ];
    for value in odd {
        let page = bo.get(&format!("{path}?before={value}")).await;
        shows_messages(&page, 21, MANY);
        assert!(
            page.shows("The newest 100 of 120 messages"),
            "before={value}"
        );
    }
}
