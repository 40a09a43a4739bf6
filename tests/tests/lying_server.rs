//! A server that lies: it edits what it stores behind the clients' backs, as an operator with
//! the database could. Each test pins one attack that the client must catch.

use vault_client::documents::{NoProgress, OpenTarget};
use vault_core::keys::SigningKey;
use vault_core::statement::Role;
use vault_tests::platform::{password, Platform};

/// Runs one statement against the server's database, as its operator could.
async fn operator_sql(platform: &Platform, sql: &str, binds: &[String]) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&platform.database_url)
        .await
        .unwrap();
    let mut query = sqlx::query(sql);
    for bind in binds {
        query = query.bind(bind);
    }
    let done = query.execute(&pool).await.unwrap();
    assert_eq!(done.rows_affected(), 1, "{sql}");
    pool.close().await;
}

/// The object key the server's row records for a document.
async fn object_key(
    platform: &Platform,
    document: vault_core::ids::DocumentId,
) -> object_store::path::Path {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&platform.database_url)
        .await
        .unwrap();
    let (key,): (String,) = sqlx::query_as("SELECT object_key FROM documents WHERE id = $1")
        .bind(document.to_string())
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    object_store::path::Path::from(key)
}

/// Pins the swapped-signing-key attack: the member fingerprint read out at approval covers
/// both keys, so a signing key the server substituted is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approval_refuses_a_signing_key_the_server_swapped_in() {
    let platform = Platform::start().await;
    let (org, manager) = platform
        .organisation("Northshire Council", "north-manager")
        .await;
    let mut newcomer = platform.person("newcomer");
    newcomer
        .register(org, None, &password("newcomer"))
        .await
        .unwrap();
    let read_out = newcomer.fingerprints().member;

    let planted = SigningKey::generate().unwrap().verifying_key();
    operator_sql(
        &platform,
        "UPDATE users SET signing_key = $1 WHERE id = $2",
        &[
            vault_core::b64::encode(planted.as_bytes()),
            newcomer.keystore().user_id.to_string(),
        ],
    )
    .await;

    let refused = manager
        .approve(newcomer.keystore().user_id, Role::Practitioner, read_out)
        .await;
    let message = refused.expect_err("approval must be refused").to_string();
    assert!(message.contains("fingerprint"), "{message}");
}

/// Pins body substitution: a stored object swapped for another document's object (a valid age
/// file to another key) is refused on open, and nothing is left where the file would go.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_object_swapped_for_another_is_refused_on_open() {
    let platform = Platform::start().await;
    let (org, manager) = platform
        .organisation("Northshire Council", "north-manager")
        .await;
    let practitioner = platform
        .member("practitioner", org, &manager, Role::Practitioner)
        .await;
    let case = practitioner.create_case("NC-1").await.unwrap();
    let sealing = practitioner.prepare_case(case).await.unwrap();
    let samples = vault_tests::sample_files();
    let first = practitioner
        .seal_file(&sealing, &samples[1], NoProgress)
        .await
        .unwrap();
    let second = practitioner
        .seal_file(&sealing, &samples[2], NoProgress)
        .await
        .unwrap();

    // The operator copies one body over another, in whichever store holds them.
    platform
        .object_store()
        .copy(
            &object_key(&platform, second).await,
            &object_key(&platform, first).await,
        )
        .await
        .unwrap();

    let out = platform.dir.path().join("opened");
    let target = OpenTarget::Dir(out.clone());
    let refused = practitioner
        .open_document(first, &target, false, NoProgress)
        .await;
    let message = refused.expect_err("open must be refused").to_string();
    assert!(
        message.contains("integrity") || message.contains("key does not open"),
        "{message}"
    );
    assert!(
        vault_tests::files_below(&out).is_empty(),
        "a refused open left a file"
    );
}
