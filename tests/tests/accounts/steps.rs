//! Steps the account, admin and notification tests share: registering through the form,
//! reading what the database holds afterwards, and a fake SMTP server on loopback.
//!
//! Each test file uses a part of these, so the rest is unused there.
#![allow(dead_code)]

use std::time::Duration;

use sqlx::AnyPool;
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::sync::mpsc;
use vault_core::ids::OrgId;
use vault_tests::platform::Platform;
use vault_tests::web::{Browser, Page};

/// The platform admin's sign-in, as `Platform::start` makes it.
pub(crate) const ADMIN: (&str, &str) = ("admin@example.org", "password of admin");
/// A password long enough for registration.
pub(crate) const NEW_PASSWORD: &str = "correct horse battery staple";

/// Opens `/register` and posts it as a person would fill it in.
pub(crate) async fn register(
    browser: &mut Browser,
    org: OrgId,
    kind: &str,
    name: &str,
    email: &str,
    invite: &str,
) -> Page {
    let form = browser.get("/register").await;
    assert_eq!(form.status, 200);
    let org = org.to_string();
    let fields = [
        ("org", org.as_str()),
        ("kind", kind),
        ("name", name),
        ("email", email),
        ("password", NEW_PASSWORD),
        ("confirm", NEW_PASSWORD),
        ("invite", invite),
    ];
    browser.post("/register", &fields).await
}

/// Id, status, kind and member role of the account with `email`.
pub(crate) async fn account(
    pool: &AnyPool,
    email: &str,
) -> Option<(String, String, String, Option<String>)> {
    sqlx::query_as("SELECT id, status, kind, member_role FROM users WHERE email = $1")
        .bind(email)
        .fetch_optional(pool)
        .await
        .unwrap()
}

/// Subject, body and sent time of every outbox e-mail to `to`, oldest first.
pub(crate) async fn mail_to(pool: &AnyPool, to: &str) -> Vec<(String, String, Option<i64>)> {
    sqlx::query_as(
        "SELECT subject, body, sent_at FROM outbox WHERE to_address = $1 ORDER BY created_at",
    )
    .bind(to)
    .fetch_all(pool)
    .await
    .unwrap()
}

/// The invitation code an answer page shows.
pub(crate) fn shown_code(page: &Page) -> String {
    let marker = "id=\"invite-code\">";
    let start = page.body.find(marker).expect("a code on the page") + marker.len();
    let end = page.body[start..].find('<').unwrap() + start;
    page.body[start..end].trim().to_owned()
}

/// Waits until `check` holds, looking again every 50 ms, for at most 30 s.
pub(crate) async fn until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !check().await {
        assert!(tokio::time::Instant::now() < deadline, "timed out: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// One e-mail the fake SMTP server accepted.
#[derive(Debug)]
pub(crate) struct Received {
    /// The RCPT TO address.
    pub(crate) to: String,
    /// The message as sent after DATA, dot-stuffing undone.
    pub(crate) data: String,
}

/// A fake SMTP server on 127.0.0.1 speaking just enough SMTP for one client at a time; with
/// `refuse_rcpt` it answers every RCPT TO with a permanent 550. Answers its URL and a channel
/// of the e-mail it accepted.
pub(crate) async fn fake_smtp(refuse_rcpt: bool) -> (String, mpsc::UnboundedReceiver<Received>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("smtp://{}", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let _ = converse(socket, refuse_rcpt, &tx).await;
            });
        }
    });
    (url, rx)
}

async fn converse(
    socket: tokio::net::TcpStream,
    refuse_rcpt: bool,
    tx: &mpsc::UnboundedSender<Received>,
) -> std::io::Result<()> {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read).lines();
    write.write_all(b"220 fake.test ESMTP\r\n").await?;
    let mut to = String::new();
    while let Some(line) = lines.next_line().await? {
        let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" | "HELO" => b"250 fake.test\r\n",
            "MAIL" | "RSET" | "NOOP" => b"250 OK\r\n",
            "RCPT" if refuse_rcpt => b"550 5.1.1 mailbox unavailable here\r\n",
            "RCPT" => {
                to = line
                    .split_once(':')
                    .map(|(_, a)| a.trim().trim_matches(['<', '>']).to_owned())
                    .unwrap_or_default();
                b"250 OK\r\n"
            }
            "DATA" => {
                write.write_all(b"354 go on\r\n").await?;
                let mut data = String::new();
                while let Some(line) = lines.next_line().await? {
                    if line == "." {
                        break;
                    }
                    data.push_str(line.strip_prefix('.').unwrap_or(&line));
                    data.push('\n');
                }
                let _ = tx.send(Received {
                    to: to.clone(),
                    data,
                });
                b"250 queued\r\n"
            }
            "QUIT" => {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            }
            _ => b"502 not here\r\n",
        };
        write.write_all(reply).await?;
    }
    Ok(())
}

/// Starts another server on the platform's database with `smtp_url` set, so its outbox
/// sender runs; answers its URL.
pub(crate) async fn server_with_smtp(platform: &Platform, smtp_url: &str) -> String {
    let mut settings = platform.settings.clone();
    settings.smtp_url = Some(smtp_url.to_owned().into());
    let app = vault_server::App::new(settings).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(app.serve(listener));
    url
}
