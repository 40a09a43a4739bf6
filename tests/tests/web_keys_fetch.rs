//! `vaultctl keys fetch`: a member whose keys were made in the browser brings the keystore the
//! server keeps for them to a new home directory, and vaultctl then works for them: a
//! practitioner lists a case's documents, a manager removes a member. Refusals (wrong
//! password, wrong passphrase, no keystore on the server, a keystore of another account, a
//! keystore already at home) say what happened and write nothing.

use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use vault_client::fetch::FetchTarget;
use vault_client::keystore::Keystore;
use vault_client::log::LogPolicy;
use vault_client::{Client, ClientError};
use vault_core::api::Me;
use vault_core::ids::{OrgId, UserId};
use vault_core::keys::Fingerprint;
use vault_core::statement::Role;
use vault_tests::platform::{passphrase, password, seal_text, Platform};
use vault_tests::web_fixtures;

const LIVE_TOKENS: &str = "SELECT COUNT(*) FROM tokens WHERE user_id = $1 AND revoked_at IS NULL";
const ALL_TOKENS: &str = "SELECT COUNT(*) FROM tokens WHERE user_id = $1";

/// Registers `name` through the API as the web app does: keys made on the device, the
/// keystore locked with the passphrase and sent with the registration. Answers the account
/// and the member fingerprint the browser shows.
async fn registered_in_browser(
    platform: &Platform,
    org: OrgId,
    name: &str,
) -> (UserId, Fingerprint) {
    let email = format!("{name}@example.org");
    let mut keystore = Keystore::generate(&email, &platform.url).unwrap();
    keystore.org_id = Some(org);
    let file = platform.dir.path().join(format!("{name}-browser.age"));
    keystore.save(&file, &passphrase(name)).unwrap();
    let locked = std::fs::read(&file).unwrap();
    std::fs::remove_file(&file).unwrap();
    let body = json!({
        "user_id": keystore.user_id,
        "org_id": org,
        "email": email,
        "password": password(name).expose_secret(),
        "encryption_key": keystore.identity().public_key(),
        "signing_key": keystore.signing_key().verifying_key(),
        "founding": null,
        "keystore": vault_core::b64::encode(&locked),
        "display_name": name,
    });
    let response = reqwest::Client::new()
        .post(format!("{}/v1/register", platform.url))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    let member = Fingerprint::of_member(
        &keystore.identity().public_key(),
        &keystore.signing_key().verifying_key(),
    );
    (keystore.user_id, member)
}

/// A home directory no command has used yet.
fn new_home(platform: &Platform, name: &str) -> PathBuf {
    platform.dir.path().join("devices").join(name)
}

/// `vaultctl keys fetch --email NAME@example.org` into `home`, with the given secrets.
async fn fetch(
    platform: &Platform,
    home: &Path,
    name: &str,
    password: &SecretString,
    passphrase: SecretString,
) -> Result<(Client, Me), ClientError> {
    let email = format!("{name}@example.org");
    let target = FetchTarget {
        home,
        server: &platform.url,
        email: &email,
        policy: LogPolicy::default(),
    };
    Client::fetch(target, password, || Ok(passphrase)).await
}

/// The refusal a fetch that should fail answered, as the member reads it.
async fn refusal(
    platform: &Platform,
    home: &Path,
    name: &str,
    password: &SecretString,
    passphrase: SecretString,
) -> String {
    match fetch(platform, home, name, password, passphrase).await {
        Ok(_) => panic!("the fetch of {name}'s keystore was not refused"),
        Err(e) => e.to_string(),
    }
}

async fn count(platform: &Platform, sql: &str, user: UserId) -> i64 {
    web_fixtures::number(platform, sql, &[&user.to_string()]).await
}

/// The locked keystore the server keeps for `user`.
async fn kept(platform: &Platform, user: UserId) -> Vec<u8> {
    let pool = web_fixtures::pool(platform).await;
    let (bytes,): (Vec<u8>,) = sqlx::query_as("SELECT keystore FROM keystores WHERE user_id = $1")
        .bind(user.to_string())
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    bytes
}

/// Northshire founded by its manager with vaultctl, and Pia, registered in the browser and
/// waiting for approval.
struct Northshire {
    platform: Platform,
    north: OrgId,
    manager: Client,
    pia_id: UserId,
    pia_fingerprint: Fingerprint,
}

async fn northshire() -> Northshire {
    let platform = Platform::start().await;
    let (north, manager) = platform
        .organisation("Northshire Council", "north-manager")
        .await;
    let (pia_id, pia_fingerprint) = registered_in_browser(&platform, north, "pia").await;
    Northshire {
        platform,
        north,
        manager,
        pia_id,
        pia_fingerprint,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_made_in_the_browser_work_in_vaultctl_once_fetched() {
    let Northshire {
        platform,
        north,
        manager,
        pia_id,
        pia_fingerprint,
    } = northshire().await;
    manager
        .approve(pia_id, Role::Practitioner, pia_fingerprint)
        .await
        .unwrap();
    let case = manager.create_case("NC-2026-0301").await.unwrap();
    let dir = platform.plain_files("north");
    let document = seal_text(&manager, case, &dir, "plan.txt", 5).await;

    let home = new_home(&platform, "pia-laptop");
    let (pia, me) = fetch(&platform, &home, "pia", &password("pia"), passphrase("pia"))
        .await
        .unwrap();
    assert_eq!(me.user_id, pia_id);
    assert_eq!(me.email, "pia@example.org");
    assert_eq!(pia.fingerprints().member, pia_fingerprint);
    // The locked bytes exactly as the server keeps them, readable by the member only.
    let file = home.join("keystore.age");
    assert_eq!(std::fs::read(&file).unwrap(), kept(&platform, pia_id).await);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // One session left: the stored one; the fetch's own was ended.
    assert_eq!(count(&platform, LIVE_TOKENS, pia_id).await, 1);
    assert_eq!(count(&platform, ALL_TOKENS, pia_id).await, 2);

    let documents = pia.list_documents(case).await.unwrap();
    assert_eq!(documents.len(), 1);
    assert_eq!(documents[0].document_id, document);
    assert!(documents[0].genuine, "{:?}", documents[0].problem);
    assert_eq!(documents[0].file_name.as_deref(), Some("plan.txt"));
    // A later command opens the keystore from disk and finds the session stored.
    let later = Client::open(&home, &platform.url, passphrase("pia")).unwrap();
    assert_eq!(later.whoami().await.unwrap().user_id, pia_id);

    // A manager whose keystore is on the server only removes a member from a new device.
    manager.upload_keystore().await.unwrap();
    let manager_home = new_home(&platform, "north-manager-laptop");
    let (fetched, _) = fetch(
        &platform,
        &manager_home,
        "north-manager",
        &password("north-manager"),
        passphrase("north-manager"),
    )
    .await
    .unwrap();
    assert!(fetched.keystore().org_root().is_some());
    fetched.remove_member(pia_id).await.unwrap();
    let status = "SELECT status FROM users WHERE id = $1";
    let pia_text = pia_id.to_string();
    assert_eq!(
        web_fixtures::text(&platform, status, &[&pia_text]).await,
        "removed"
    );
    let versions = "SELECT COUNT(*) FROM org_keys WHERE org_id = $1";
    let north_text = north.to_string();
    assert_eq!(
        web_fixtures::number(&platform, versions, &[&north_text]).await,
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fetch_that_is_refused_says_why_and_writes_nothing() {
    let Northshire {
        platform,
        north,
        pia_id,
        ..
    } = northshire().await;
    let home = new_home(&platform, "pia-laptop");

    let wrong = SecretString::from("not the password of pia".to_owned());
    assert_eq!(
        refusal(&platform, &home, "pia", &wrong, passphrase("pia")).await,
        "login refused: wrong e-mail or password"
    );
    assert!(!home.exists());

    let not_it = SecretString::from("not the passphrase of pia".to_owned());
    assert_eq!(
        refusal(&platform, &home, "pia", &password("pia"), not_it).await,
        "wrong passphrase (or the keystore is damaged)"
    );
    assert!(!home.exists());
    assert_eq!(count(&platform, ALL_TOKENS, pia_id).await, 1);
    assert_eq!(count(&platform, LIVE_TOKENS, pia_id).await, 0);

    // A member who registered with vaultctl and never uploaded a keystore.
    let pat = platform.waiting("pat", north).await;
    let pat_id = pat.keystore().user_id;
    let pat_home = new_home(&platform, "pat-laptop");
    let pat_password = password("pat");
    let as_pat = |phrase| {
        refusal(
            &platform,
            &pat_home,
            "pat",
            &pat_password,
            passphrase(phrase),
        )
    };
    assert_eq!(
        as_pat("pat").await,
        "the server keeps no keystore for pat@example.org: its keys were made with vaultctl on \
         another device, so run `vaultctl keys upload` there first, or copy that device's \
         vaultctl home here"
    );
    assert!(!pat_home.exists());
    assert_eq!(count(&platform, LIVE_TOKENS, pat_id).await, 0);

    // Another account's keystore on pat's account (as a damaged database could hold it).
    let pool = web_fixtures::pool(&platform).await;
    sqlx::query("INSERT INTO keystores (user_id, keystore, updated_at) VALUES ($1, $2, 0)")
        .bind(pat_id.to_string())
        .bind(kept(&platform, pia_id).await)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    assert_eq!(
        as_pat("pia").await,
        "the keystore the server keeps for pat@example.org belongs to another account; nothing \
         was written: tell the platform's operator"
    );
    assert!(!pat_home.exists());
    assert_eq!(count(&platform, LIVE_TOKENS, pat_id).await, 0);

    // A home that has a keystore keeps it, and no session is even asked for.
    let pat_own = platform.dir.path().join("people").join("pat");
    let before = std::fs::read(pat_own.join("keystore.age")).unwrap();
    let tokens = count(&platform, ALL_TOKENS, pia_id).await;
    assert_eq!(
        refusal(
            &platform,
            &pat_own,
            "pia",
            &password("pia"),
            passphrase("pia")
        )
        .await,
        format!(
            "a keystore already exists at {}; it is never overwritten",
            pat_own.join("keystore.age").display()
        )
    );
    assert_eq!(std::fs::read(pat_own.join("keystore.age")).unwrap(), before);
    assert_eq!(count(&platform, ALL_TOKENS, pia_id).await, tokens);
}
