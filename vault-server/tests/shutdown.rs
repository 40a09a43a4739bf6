//! Graceful shutdown: the server stops accepting at once, an upload that finishes within the
//! grace period is stored (201), and one still running when the grace period is over is
//! aborted with 503 and leaves no object, no staging file and no row.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use vault_core::keys::SecretKey;

/// An upload sent by hand: the request head and the first half of the body, the rest held.
struct HalfSent {
    stream: TcpStream,
    rest: Vec<u8>,
}

async fn begin_upload(server: &common::Server, size: usize) -> HalfSent {
    let (org, mgr) = server.found_org("Northshire Council").await;
    let case = server.create_case(&org, &mgr, "NC-S").await;
    let key = SecretKey::generate();
    let body = common::age_file_of_size(&key, size);
    let sealed = common::sealed_from_body(&org, &mgr, &case, key, body);
    let manifest = serde_json::to_vec(&sealed.manifest).unwrap();
    let (content_type, full) = common::multipart(&manifest, &sealed.body);
    let (stream, rest) = server
        .send_half_upload(&mgr.token, case.id, &content_type, &full)
        .await;
    // The object upload has begun: its staging file exists.
    common::eventually("upload staging", || {
        std::future::ready(!staging_files(server).is_empty())
    })
    .await;
    HalfSent { stream, rest }
}

/// A server on the local object store, whose staging files show an upload in progress whatever
/// store the other tests use.
async fn start(grace: Duration) -> common::Server {
    common::start_with(|s| {
        s.object_store_url = None;
        s.shutdown_grace_secs = grace.as_secs();
    })
    .await
}

/// Every file in the object directory, complete or staging.
fn files(server: &common::Server) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![server.dir.path().join("objects")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out
}

fn staging_files(server: &common::Server) -> Vec<PathBuf> {
    let mut all = files(server);
    all.retain(|p| p.to_string_lossy().contains('#'));
    all
}

async fn answer(stream: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn an_upload_cut_off_by_shutdown_leaves_nothing() {
    let grace = Duration::from_secs(1);
    let mut server = start(grace).await;
    let mut upload = begin_upload(&server, 400_000).await;
    let took = server.shut_down().await;
    assert!(
        took >= grace,
        "stopped after {took:?}, before the grace period"
    );
    assert!(
        took < grace + Duration::from_secs(10),
        "stopped after {took:?}"
    );
    let answer = answer(&mut upload.stream).await;
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("the server is shutting down"), "{answer}");
    assert_eq!(files(&server), Vec::<PathBuf>::new());
    assert_eq!(server.rows("documents").await, 0);
    assert!(
        TcpStream::connect(server.base.trim_start_matches("http://"))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn an_upload_finishing_within_the_grace_period_is_stored() {
    let grace = Duration::from_secs(30);
    let mut server = start(grace).await;
    let mut upload = begin_upload(&server, 400_000).await;
    let addr = server.base.trim_start_matches("http://").to_owned();
    let client = async {
        // New connections are refused once shutdown has begun; only then send the rest.
        let mut refused = false;
        for _ in 0..2000 {
            if TcpStream::connect(&addr).await.is_err() {
                refused = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(refused, "still accepting connections after shutdown began");
        upload.stream.write_all(&upload.rest).await.unwrap();
        answer(&mut upload.stream).await
    };
    let (took, answer) = tokio::join!(server.shut_down(), client);
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    assert!(took < grace, "waited the whole grace period: {took:?}");
    assert_eq!(server.rows("documents").await, 1);
    assert_eq!(files(&server).len(), 1);
    assert!(staging_files(&server).is_empty());
}
