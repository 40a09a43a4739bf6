//! Clients check the log, not trust it. A rolled-back or forked log stops the next command,
//! naming both checkpoints and keeping the saved one; a substitute organisation key that is not
//! on the log is never wrapped to; a member's changed keys are refused until accepted with the
//! new fingerprint; an action whose statement the server keeps off the log is reported; and a
//! witness's cosignature is made, stored, and required by clients that ask for it.

use std::path::PathBuf;

use sqlx::AnyPool;
use vault_client::log::{LogError, LogPolicy};
use vault_client::{Client, ClientError};
use vault_core::checkpoint::{Checkpoint, Cosignature, WitnessKey};
use vault_core::keys::{Fingerprint, SecretKey, SigningKey};
use vault_core::statement::{Claim, Role, Statement};
use vault_tests::platform::{password, Platform};

/// A connection to the server's database, as its operator has.
async fn operator(platform: &Platform) -> AnyPool {
    sqlx::any::install_default_drivers();
    AnyPool::connect(&platform.database_url).await.unwrap()
}

/// Runs one statement with text binds; returns the rows it changed.
async fn run(pool: &AnyPool, sql: &str, binds: &[&str]) -> u64 {
    let mut query = sqlx::query(sql);
    for bind in binds {
        query = query.bind(*bind);
    }
    query.execute(pool).await.unwrap().rows_affected()
}

/// The number of leaves the server says its log has.
async fn log_size(pool: &AnyPool) -> i64 {
    let (size,): (i64,) = sqlx::query_as("SELECT size FROM log_head WHERE id = 1")
        .fetch_one(pool)
        .await
        .unwrap();
    size
}

/// Cuts the log back to its first `size` leaves, as an operator rewriting history would: the
/// leaves, every tree node over a cut leaf, and every checkpoint of a larger tree go.
async fn rewind(pool: &AnyPool, size: i64) {
    let exec = |sql: &'static str, binds: Vec<i64>| async move {
        let mut query = sqlx::query(sql);
        for bind in binds {
            query = query.bind(bind);
        }
        query.execute(pool).await.unwrap();
    };
    exec("UPDATE log_head SET size = $1 WHERE id = 1", vec![size]).await;
    exec("DELETE FROM log_leaves WHERE leaf_index >= $1", vec![size]).await;
    for level in 0..63 {
        let sql = "DELETE FROM log_nodes WHERE level = $1 AND idx >= $2";
        exec(sql, vec![level, size >> level]).await;
    }
    exec("DELETE FROM log_cosignatures WHERE size > $1", vec![size]).await;
    exec("DELETE FROM log_checkpoints WHERE size > $1", vec![size]).await;
}

fn home_of(platform: &Platform, name: &str) -> PathBuf {
    platform.dir.path().join("people").join(name)
}

/// The saved checkpoints of `name`'s client, byte for byte.
fn saved_log(platform: &Platform, name: &str) -> Vec<u8> {
    std::fs::read(home_of(platform, name).join("log.json")).unwrap()
}

/// A checkpoint as the errors name it.
fn named(checkpoint: &Checkpoint) -> String {
    format!(
        "size {} root {}",
        checkpoint.size,
        vault_core::b64::encode(checkpoint.root)
    )
}

/// Registers a pending member with `org` (which appends to the log, and nothing else).
async fn newcomer(platform: &Platform, name: &str, org: vault_core::ids::OrgId) {
    let mut person = platform.person(name);
    person.register(org, None, &password(name)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rolled_back_log_stops_the_next_command_and_keeps_the_saved_checkpoint() {
    let platform = Platform::start().await;
    let (_, manager) = platform
        .organisation("Northshire Council", "north-manager")
        .await;
    manager.create_case("NC-2026-0001").await.unwrap();
    let accepted = manager.check_log().await.unwrap();
    let saved = saved_log(&platform, "north-manager");

    let pool = operator(&platform).await;
    run(
        &pool,
        "UPDATE log_head SET size = size - 1 WHERE id = 1",
        &[],
    )
    .await;

    let err = manager.check_log().await.unwrap_err();
    let ClientError::Log(LogError::Rollback { saved: was, shown }) = &err else {
        panic!("expected a rollback, got {err}");
    };
    assert_eq!((was.size, shown.size), (accepted.size, accepted.size - 1));
    let text = err.to_string();
    assert!(
        text.starts_with("LOG ROLLBACK: the server shows checkpoint size "),
        "{text}"
    );
    assert!(text.contains(&named(&accepted)), "{text}");
    assert!(
        text.contains(&format!("size {} root ", accepted.size - 1)),
        "{text}"
    );
    assert_eq!(saved_log(&platform, "north-manager"), saved);

    // The next action is refused before anything is sent.
    let refused = manager.create_case("NC-2026-0002").await.unwrap_err();
    assert!(
        matches!(refused, ClientError::Log(LogError::Rollback { .. })),
        "{refused}"
    );
    assert_eq!(manager.list_cases().await.unwrap().len(), 1);
    assert_eq!(saved_log(&platform, "north-manager"), saved);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forked_log_stops_the_next_command_naming_both_checkpoints() {
    let platform = Platform::start().await;
    let (org, manager) = platform
        .organisation("Northshire Council", "north-manager")
        .await;
    let pool = operator(&platform).await;
    let before = log_size(&pool).await;
    newcomer(&platform, "first", org).await;
    let per_registration = log_size(&pool).await - before;
    let accepted = manager.check_log().await.unwrap();
    let saved = saved_log(&platform, "north-manager");

    // Another history of the same length: the last registration replaced by another.
    rewind(&pool, log_size(&pool).await - per_registration).await;
    newcomer(&platform, "second", org).await;
    let err = manager.check_log().await.unwrap_err();
    let text = err.to_string();
    let ClientError::Log(LogError::Fork { shown, .. }) = &err else {
        panic!("expected a fork, got {text}");
    };
    assert_eq!(shown.size, accepted.size);
    assert_ne!(shown.root, accepted.root);
    assert!(text.starts_with("LOG FORK: checkpoint "), "{text}");
    assert!(text.contains(&named(&accepted)), "{text}");
    assert!(text.contains("(same size, different root)"), "{text}");
    assert_eq!(saved_log(&platform, "north-manager"), saved);

    // It grows on from there: no consistency proof can join the two histories.
    newcomer(&platform, "third", org).await;
    let err = manager.create_case("NC-2026-0003").await.unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("LOG FORK: checkpoint "), "{text}");
    assert!(text.contains(&named(&accepted)), "{text}");
    assert!(
        text.contains("the consistency proof does not verify"),
        "{text}"
    );
    assert!(manager.list_cases().await.unwrap().is_empty());
    assert_eq!(saved_log(&platform, "north-manager"), saved);
}

/// Pins the substitute-key attack: the server hands out an organisation key (and a root and a
/// statement that chain) of its own making; nothing certifying it is on the log, so no key is
/// wrapped to it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_substitute_organisation_key_off_the_log_is_never_wrapped_to() {
    let platform = Platform::start().await;
    let two = platform.north_and_bright().await;
    let case = two.north_manager.create_case("NC-2026-0004").await.unwrap();

    let fake_root = SigningKey::generate().unwrap();
    let fake_key = SecretKey::generate().public_key();
    let statement = Statement::now(Claim::OrgKeyPublished {
        org: two.bright,
        version: 1,
        key: fake_key.clone(),
    })
    .sign(&fake_root);
    let pool = operator(&platform).await;
    let bright = two.bright.to_string();
    let root = vault_core::b64::encode(fake_root.verifying_key().as_bytes());
    let changed = run(
        &pool,
        "UPDATE orgs SET root_signing_key = $1, org_key = $2 WHERE id = $3",
        &[&root, fake_key.as_str(), &bright],
    )
    .await;
    assert_eq!(changed, 1);
    let json = serde_json::to_string(&statement).unwrap();
    let changed = run(
        &pool,
        "UPDATE org_keys SET public_key = $1, statement = $2 WHERE org_id = $3 AND version = 1",
        &[fake_key.as_str(), &json, &bright],
    )
    .await;
    assert_eq!(changed, 1);

    let err = two
        .north_manager
        .transfer_case(case, two.bright)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "refusing to wrap a key to organisation {bright}'s current key: a statement \
             certifying it is not proven in the log (no leaf carries it). Nothing was sent; the \
             server may be showing a key it made up"
        )
    );
    assert!(two.north_manager.list_transfers().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_member_key_is_refused_until_accepted_with_its_fingerprint() {
    let platform = Platform::start().await;
    let two = platform.north_and_bright().await;
    let manager = &two.north_manager;
    let user = two.north_practitioner.keystore().user_id;
    let old = two.north_practitioner.fingerprints().member;
    manager.members().await.unwrap();

    // Keys certified by a manager, but not the ones this client saw for that member.
    let encryption = SecretKey::generate().public_key();
    let signing = SigningKey::generate().unwrap().verifying_key();
    let certificate = Statement::now(Claim::MemberCertified {
        org: two.north,
        user,
        role: Role::Practitioner,
        encryption_key: encryption.clone(),
        signing_key: signing,
    })
    .sign(manager.keystore().signing_key());
    let new = Fingerprint::of_member(&encryption, &signing);
    let pool = operator(&platform).await;
    let changed = run(
        &pool,
        "UPDATE users SET encryption_key = $1, signing_key = $2, certificate = $3 WHERE id = $4",
        &[
            encryption.as_str(),
            &vault_core::b64::encode(signing.as_bytes()),
            &serde_json::to_string(&certificate).unwrap(),
            &user.to_string(),
        ],
    )
    .await;
    assert_eq!(changed, 1);

    let refusal = format!(
        "organisation {}'s member {user}'s keys changed: pinned {old}, server shows {new}. This \
         may be an attack; confirm with the organisation out of band before doing anything. Only \
         once they confirm {new}: `vaultctl trust accept --org {} --member {user} --fingerprint \
         {new}`",
        two.north, two.north
    );
    let err = manager.members().await.unwrap_err();
    assert_eq!(err.to_string(), refusal);

    let wrong = manager
        .accept_member_key(two.north, user, old)
        .await
        .unwrap_err();
    assert!(
        wrong.to_string().contains("nothing was accepted"),
        "{wrong}"
    );
    assert_eq!(manager.members().await.unwrap_err().to_string(), refusal);

    assert!(manager
        .accept_member_key(two.north, user, new)
        .await
        .unwrap());
    let members = manager.members().await.unwrap();
    let shown = members.iter().find(|m| m.user_id == user).unwrap();
    assert_eq!(shown.fingerprints.unwrap().member, new);
}

/// Makes the server's database, from now on, run `change` on every new leaf row: on `SQLite` in
/// a trigger after the insert (where the row is `NEW`), on `PostgreSQL` in one before it (which
/// also sets `NEW.statement_sha256` to NULL).
async fn on_new_leaf(platform: &Platform, pool: &AnyPool, sqlite: &str, postgres: &str) {
    if platform.database_url.starts_with("postgres") {
        let function = format!(
            "CREATE FUNCTION on_new_leaf() RETURNS trigger AS $$ BEGIN {postgres} \
             NEW.statement_sha256 := NULL; RETURN NEW; END $$ LANGUAGE plpgsql"
        );
        run(pool, &function, &[]).await;
        let trigger = "CREATE TRIGGER on_new_leaf BEFORE INSERT ON log_leaves \
                       FOR EACH ROW EXECUTE FUNCTION on_new_leaf()";
        run(pool, trigger, &[]).await;
    } else {
        let trigger =
            format!("CREATE TRIGGER on_new_leaf AFTER INSERT ON log_leaves BEGIN {sqlite} END");
        run(pool, &trigger, &[]).await;
    }
}

/// Pins an action kept off the record: the server stores the change but hides its leaf.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_action_whose_leaf_is_missing_is_reported_as_not_on_the_log() {
    let platform = Platform::start().await;
    let (_, manager) = platform
        .organisation("Northshire Council", "north-manager")
        .await;
    let pool = operator(&platform).await;
    let hide = "UPDATE log_leaves SET statement_sha256 = NULL WHERE leaf_index = NEW.leaf_index;";
    on_new_leaf(&platform, &pool, hide, "").await;

    let err = manager.create_case("NC-2026-0005").await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "the case create happened on the server but is NOT ON THE LOG: its key-wrapped statement \
         is not proven in the log (no leaf carries it). Tell your auditor: the server is keeping \
         a change off its record"
    );
    assert_eq!(manager.list_cases().await.unwrap().len(), 1);
}

/// Pins a leaf passed off as another: the lookup of the action's statement answers the log's
/// first leaf, which carries something else.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_action_answered_with_another_leaf_is_reported_as_not_on_the_log() {
    let platform = Platform::start().await;
    let (_, manager) = platform
        .organisation("Northshire Council", "north-manager")
        .await;
    let pool = operator(&platform).await;
    let redirect = "UPDATE log_leaves SET statement_sha256 = NEW.statement_sha256 \
                    WHERE leaf_index = 0;";
    let hide = "UPDATE log_leaves SET statement_sha256 = NULL WHERE leaf_index = NEW.leaf_index;";
    on_new_leaf(&platform, &pool, &format!("{redirect} {hide}"), redirect).await;

    let err = manager.create_case("NC-2026-0006").await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "the case create happened on the server but is NOT ON THE LOG: its key-wrapped statement \
         is not proven in the log (leaf 0 does not carry exactly this statement). Tell your \
         auditor: the server is keeping a change off its record"
    );
}

/// An auditor account logged in, named `auditor`, made by the platform admin.
async fn auditor(platform: &Platform) -> Client {
    let mut auditor = platform.person("auditor");
    let request = vault_core::api::CreateAuditorRequest {
        user_id: auditor.keystore().user_id,
        email: "auditor@example.org".into(),
        password: "password of auditor".into(),
    };
    let answer = http_as(platform, "admin")
        .await
        .post(format!("{}/v1/admin/auditors", platform.url))
        .json(&request)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 201);
    auditor.login(&password("auditor")).await.unwrap();
    auditor
}

/// `name`'s client, requiring `witness` to have cosigned within `max_age_secs`.
fn requiring(platform: &Platform, name: &str, witness: &str, max_age_secs: u64) -> Client {
    let mut client = platform.person_at_server(name, &platform.url);
    let policy = LogPolicy::from_texts(None, Some(witness), Some(max_age_secs)).unwrap();
    client.set_log_policy(policy);
    client
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_witness_cosigns_and_clients_that_require_it_accept_the_log() {
    let platform = Platform::start().await;
    let (_, manager) = platform
        .organisation("Northshire Council", "north-manager")
        .await;
    manager.create_case("NC-2026-0006").await.unwrap();
    let auditor = auditor(&platform).await;

    let first = auditor.witness(Some("northshire-audit")).await.unwrap();
    assert!(first.created);
    assert_eq!(first.previous_size, None);
    assert!(
        first.witness_key.starts_with("northshire-audit+"),
        "{}",
        first.witness_key
    );
    let stored = std::fs::read(home_of(&platform, "auditor").join("witness-key.age")).unwrap();
    assert!(stored.starts_with(b"age-encryption.org/v1\n-> X25519 "));

    let checked = requiring(&platform, "north-manager", &first.witness_key, 3600);
    checked.check_log().await.unwrap();
    // The log grows past what the witness saw: its checkpoint is still consistent with it.
    checked.create_case("NC-2026-0007").await.unwrap();
    checked.check_log().await.unwrap();

    let second = auditor.witness(None).await.unwrap();
    assert!(!second.created);
    assert_eq!(second.witness_key, first.witness_key);
    assert_eq!(second.previous_size, Some(first.size));
    assert!(second.size > first.size);
    checked.check_log().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_required_witness_that_is_missing_or_too_old_refuses_the_log() {
    let platform = Platform::start().await;
    let (_, manager) = platform
        .organisation("Northshire Council", "north-manager")
        .await;
    let auditor = auditor(&platform).await;

    let nobody = WitnessKey {
        name: "nobody".into(),
        key: SigningKey::generate().unwrap().verifying_key(),
    };
    let checked = requiring(&platform, "north-manager", &nobody.to_vkey(), 3600);
    let err = checked.check_log().await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "the log is not backed by the required witness nobody: it has cosigned no checkpoint of \
         this log. Nothing was done; ask the auditor running the witness to run `vaultctl audit \
         witness`"
    );
    assert!(checked.create_case("NC-2026-0008").await.is_err());
    assert!(manager.list_cases().await.unwrap().is_empty());

    // A witness whose only cosignature is two hours old.
    let signer = SigningKey::generate().unwrap();
    let late = WitnessKey {
        name: "late-witness".into(),
        key: signer.verifying_key(),
    };
    let checkpoint = auditor.check_log().await.unwrap();
    let now = unix_now();
    let line = Cosignature::sign(&checkpoint, &late, &signer, now - 7200).to_line();
    post_cosignature(&platform, &late.to_vkey(), &line, checkpoint.size).await;
    let checked = requiring(&platform, "north-manager", &late.to_vkey(), 3600);
    let text = checked.check_log().await.unwrap_err().to_string();
    let expected = format!(
        "the log is not backed by the required witness late-witness: its newest cosignature, on \
         checkpoint {}, is ",
        named(&checkpoint)
    );
    assert!(text.starts_with(&expected), "{text}");
    assert!(
        text.contains(" seconds old; at most 3600 are accepted"),
        "{text}"
    );
    // The same cosignature is young enough for a client that allows a day.
    requiring(&platform, "north-manager", &late.to_vkey(), 86_400)
        .check_log()
        .await
        .unwrap();
}

/// This machine's clock, in seconds since the Unix epoch.
fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_witness_renews_its_cosignature_while_the_log_does_not_grow() {
    let platform = Platform::start().await;
    platform
        .organisation("Northshire Council", "north-manager")
        .await;
    let auditor = auditor(&platform).await;
    // A run two hours ago, by the witness's clock then.
    let now = unix_now();
    let first = auditor
        .witness_at(Some("northshire-audit"), now - 7200)
        .await
        .unwrap();
    assert!(!first.renewed);
    assert_eq!(first.time, now - 7200);
    let checked = requiring(&platform, "north-manager", &first.witness_key, 3600);
    let text = checked.check_log().await.unwrap_err().to_string();
    assert!(
        text.contains(" seconds old; at most 3600 are accepted"),
        "{text}"
    );

    // Nothing was written since: the run cosigns the same checkpoint again, later.
    let second = auditor.witness(None).await.unwrap();
    assert!(second.renewed);
    assert_eq!(
        (second.size, &second.root, second.previous_size),
        (first.size, &first.root, Some(first.size))
    );
    assert!(second.time >= now, "{} < {now}", second.time);
    assert_eq!(
        witnessed(&platform, &second.witness_key).await,
        (first.size, vec![second.time])
    );
    checked.check_log().await.unwrap();
    // Within the same second too, the renewal is dated after the one it replaces.
    let third = auditor.witness(None).await.unwrap();
    assert!(third.renewed);
    assert!(third.time > second.time);
    let served = (first.size, vec![third.time]);
    assert_eq!(witnessed(&platform, &third.witness_key).await, served);

    // A run whose clock is two hours behind does not date a cosignature before the stored one.
    let err = auditor.witness_at(None, now - 7200).await.unwrap_err();
    let text = err.to_string();
    let expected = "this witness's cosignature of the latest checkpoint is dated ";
    assert!(text.starts_with(expected), "{text}");
    assert_eq!(witnessed(&platform, &third.witness_key).await, served);
    checked.check_log().await.unwrap();
}

/// The size of the checkpoint the server serves as witnessed by `witness_key`, and the times
/// of the valid cosignatures by that key it carries.
async fn witnessed(platform: &Platform, witness_key: &str) -> (u64, Vec<u64>) {
    let witness = WitnessKey::parse_vkey(witness_key).unwrap();
    let http = http_as(platform, "auditor").await;
    let get = |path: String| http.get(format!("{}{path}", platform.url)).send();
    let log: vault_core::api::LogKey = get("/v1/log/key".into())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let log = vault_core::checkpoint::NoteKey::parse_vkey(&log.vkey).unwrap();
    let path = format!("/v1/log/checkpoint?witness={}", witness.name);
    let answer: vault_core::api::LogCheckpoint = get(path).await.unwrap().json().await.unwrap();
    let opened = vault_core::checkpoint::SignedCheckpoint::open(&answer.note, &log).unwrap();
    let times = opened
        .cosignatures
        .iter()
        .filter(|c| c.verify(&opened.checkpoint, &witness).is_ok())
        .map(|c| c.time)
        .collect();
    (opened.checkpoint.size, times)
}

/// An HTTP client sending `name`'s session token with every request.
async fn http_as(platform: &Platform, name: &str) -> reqwest::Client {
    let login: vault_core::api::LoginResponse = reqwest::Client::new()
        .post(format!("{}/v1/auth/login", platform.url))
        .json(&serde_json::json!({
            "email": format!("{name}@example.org"),
            "password": format!("password of {name}"),
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut headers = reqwest::header::HeaderMap::new();
    let bearer = format!("Bearer {}", login.token);
    headers.insert("authorization", bearer.parse().unwrap());
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap()
}

/// Stores a cosignature as the auditor.
async fn post_cosignature(platform: &Platform, vkey: &str, line: &str, size: u64) {
    let request = vault_core::api::CosignRequest {
        witness_key: vkey.to_owned(),
        cosignature: line.to_owned(),
        size,
    };
    let answer = http_as(platform, "auditor")
        .await
        .post(format!("{}/v1/log/cosignatures", platform.url))
        .json(&request)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 201);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_key_is_pinned_on_first_sight_or_must_be_the_one_expected() {
    let platform = Platform::start().await;
    let (_, manager) = platform
        .organisation("Northshire Council", "north-manager")
        .await;
    // Logging in met the log: its key is pinned and reported once.
    let vkey = manager.take_new_log_key().unwrap();
    assert!(vkey.starts_with("case-vault.localhost/log+"), "{vkey}");
    manager.check_log().await.unwrap();
    assert_eq!(manager.take_new_log_key(), None);
    let saved = saved_log(&platform, "north-manager");

    // The same keystore meets a second server address, told to expect another key.
    let replica = platform.replica().await;
    let other = SigningKey::generate().unwrap().verifying_key();
    let wrong = vault_core::checkpoint::NoteKey {
        name: "case-vault.localhost/log".into(),
        key: other,
    }
    .to_vkey();
    let mut client = platform.person_at_server("north-manager", &replica);
    client.set_log_policy(LogPolicy::from_texts(Some(&wrong), None, None).unwrap());
    let err = client.check_log().await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "the server's log key is not the one given with --expect-log-key (expected {wrong}); \
             nothing was pinned or done"
        )
    );
    assert_eq!(saved_log(&platform, "north-manager"), saved);

    // The right key is taken without a first-sight notice; once pinned, another is refused.
    client.set_log_policy(LogPolicy::from_texts(Some(&vkey), None, None).unwrap());
    client.check_log().await.unwrap();
    assert_eq!(client.take_new_log_key(), None);
    client.set_log_policy(LogPolicy::from_texts(Some(&wrong), None, None).unwrap());
    let err = client.check_log().await.unwrap_err();
    assert!(
        matches!(err, ClientError::Log(LogError::UnexpectedKey { .. })),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_witness_does_not_cosign_a_history_that_forks_from_what_it_cosigned() {
    let platform = Platform::start().await;
    let (org, _) = platform
        .organisation("Northshire Council", "north-manager")
        .await;
    let auditor = auditor(&platform).await;
    let first = auditor.witness(Some("northshire-audit")).await.unwrap();
    let state = home_of(&platform, "auditor").join("witness.json");
    let cosigned = std::fs::read(&state).unwrap();

    let pool = operator(&platform).await;
    let size = i64::try_from(first.size).unwrap();
    rewind(&pool, size - 1).await;
    newcomer(&platform, "newcomer", org).await;
    let err = auditor.witness(None).await.unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("LOG FORK: checkpoint "), "{text}");
    assert!(
        text.contains(&format!("size {} root {}", first.size, first.root)),
        "{text}"
    );
    assert_eq!(std::fs::read(&state).unwrap(), cosigned);
}
