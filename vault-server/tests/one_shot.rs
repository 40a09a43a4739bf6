//! One-shot commands of the binary (`bootstrap-admin`) on a server's data directory, beside
//! the running server or alone: the clean-up of uploads a killed server left half-written is
//! `serve`'s alone, so they neither do it nor log anything about it.

mod common;

use std::path::Path;
use std::process::Output;

const SWEEP_LINES: [&str; 2] = [
    "another process holds this object directory",
    "removed uploads a stopped server left half-written",
];

/// Runs `vault-server bootstrap-admin` for `email` on `data_dir` (and `database_url`, when the
/// server does not keep its database in a file there), logging at `info`.
async fn bootstrap_admin(data_dir: &Path, database_url: Option<&str>, email: &str) -> Output {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_vault-server"));
    cmd.args(["bootstrap-admin", "--email", email, "--data-dir"])
        .arg(data_dir)
        .env("VAULT_ADMIN_PASSWORD", common::PASSWORD)
        .env("RUST_LOG", "info")
        .env_remove("VAULT_DATABASE_URL")
        .env_remove("VAULT_OBJECT_STORE_URL")
        .env_remove("VAULT_LOG_KEY_FILE");
    if let Some(url) = database_url {
        cmd.env("VAULT_DATABASE_URL", url);
    }
    let out = cmd.output().await.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    for line in SWEEP_LINES {
        assert!(!stderr.contains(line), "{stderr}");
    }
    out
}

#[tokio::test]
async fn bootstrap_admin_beside_a_running_server_says_nothing_of_the_sweep() {
    // Pins: it logged "another process holds this object directory; the sweep of half-written
    // uploads is left to it", as if it were a second server.
    let server = common::start_with(|s| {
        s.object_store_url = None;
        s.s3 = vault_server::settings::S3Settings::default();
    })
    .await;
    let out = bootstrap_admin(
        &server.settings.data_dir,
        server.settings.database_url.as_deref(),
        "second-admin@example.org",
    )
    .await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("platform admin created: "), "{stdout}");
    server
        .login("second-admin@example.org", common::PASSWORD)
        .await;
}

#[tokio::test]
async fn bootstrap_admin_alone_leaves_half_written_uploads_to_the_server() {
    // Pins: run while no server held the directory, it swept it as a server starting would.
    let dir = tempfile::tempdir().unwrap();
    let staged = dir.path().join("objects/documents/d1/a1#1");
    std::fs::create_dir_all(staged.parent().unwrap()).unwrap();
    std::fs::write(&staged, b"left by a killed server").unwrap();
    let database_url = common::test_database().await;
    bootstrap_admin(dir.path(), database_url.as_deref(), "admin@example.org").await;
    assert!(
        staged.exists(),
        "the staging file is the server's to remove"
    );
}
