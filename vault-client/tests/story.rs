//! The whole story through the library against an in-process `vault_server::App`: a platform
//! admin creates organisations, founding managers set up their keys, a practitioner registers
//! and is approved after a fingerprint check, seals files around the chunk boundary into a
//! case, opens them byte for byte; a document is shared and opens in the other organisation;
//! the case is transferred, accepted, and opens there while the sender can no longer open it.

mod common;

use std::path::{Path, PathBuf};

use common::world::{secret, vaultctl, vaultctl_with, World};
use vault_client::documents::{NoProgress, OpenTarget};
use vault_client::{Client, ClientError};

async fn open_into(client: &Client, doc: vault_core::ids::DocumentId, dir: &Path) -> PathBuf {
    let target = OpenTarget::Dir(dir.to_owned());
    client
        .open_document(doc, &target, false, NoProgress)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seal_share_transfer_and_open_end_to_end() {
    let world = World::start().await;
    let admin = world.admin().await;
    let (north, north_manager) = world
        .org(&admin, "Northshire Council", "north-manager")
        .await;
    let (bright, bright_manager) = world.org(&admin, "Brightwater", "bright-manager").await;
    let (harbour, harbour_manager) = world.org(&admin, "Harbour Fostering", "harbour-mgr").await;
    let north_prac = world.join(&north_manager, north, "north-prac").await;
    let bright_prac = world.join(&bright_manager, bright, "bright-prac").await;

    let case_id = north_prac.create_case("NC-2026-0142").await.unwrap();
    let files_dir = world.root.path().join("files");
    std::fs::create_dir_all(&files_dir).unwrap();
    let case = north_prac.prepare_case(case_id).await.unwrap();
    let mut sealed = Vec::new();
    for (i, size) in [0usize, 1, 65_535, 65_536, 65_537].into_iter().enumerate() {
        let path = files_dir.join(format!("Médical report – Zoë ({i}).bin"));
        let bytes = common::bytes(size, u8::try_from(i).unwrap());
        std::fs::write(&path, &bytes).unwrap();
        let id = north_prac
            .seal_file(&case, &path, NoProgress)
            .await
            .unwrap();
        sealed.push((id, path, bytes));
    }
    let listed = north_prac.list_documents(case_id).await.unwrap();
    assert_eq!(listed.len(), sealed.len());
    assert!(listed.iter().all(|d| d.genuine), "{listed:?}");

    let north_out = world.root.path().join("opened-north");
    for (id, path, bytes) in &sealed {
        let opened = open_into(&north_prac, *id, &north_out).await;
        assert_eq!(opened.file_name(), path.file_name());
        assert_eq!(&std::fs::read(&opened).unwrap(), bytes);
    }
    let again = north_prac
        .open_document(
            sealed[0].0,
            &OpenTarget::Dir(north_out.clone()),
            false,
            NoProgress,
        )
        .await
        .unwrap_err();
    assert!(matches!(again, ClientError::OutputExists(_)), "{again}");

    north_prac.share(sealed[2].0, harbour).await.unwrap();
    let harbour_prac = world.join(&harbour_manager, harbour, "harbour-prac").await;
    assert_eq!(harbour_prac.shared_with_us().await.unwrap().len(), 1);
    let opened = open_into(&harbour_prac, sealed[2].0, &world.root.path().join("h")).await;
    assert_eq!(std::fs::read(opened).unwrap(), sealed[2].2);

    let transfer = north_manager.transfer_case(case_id, bright).await.unwrap();
    bright_manager.accept_transfer(transfer).await.unwrap();
    let bright_out = world.root.path().join("opened-bright");
    for (id, _, bytes) in &sealed {
        let opened = open_into(&bright_prac, *id, &bright_out).await;
        assert_eq!(&std::fs::read(&opened).unwrap(), bytes);
    }
    let after = world.root.path().join("north-after");
    for (id, _, _) in &sealed {
        let target = OpenTarget::Dir(after.clone());
        assert!(north_prac
            .open_document(*id, &target, false, NoProgress)
            .await
            .is_err());
    }
    assert!(!after.exists() || common::entries(&after).is_empty());

    // Removal rotates the organisation key and re-wraps every held case key and share.
    let case2 = north_manager.create_case("NC-2026-0150").await.unwrap();
    let prepared = north_manager.prepare_case(case2).await.unwrap();
    let doc2 = north_manager
        .seal_file(&prepared, &sealed[1].1, NoProgress)
        .await
        .unwrap();
    north_manager
        .remove_member(north_prac.keystore().user_id)
        .await
        .unwrap();
    let opened = open_into(&north_manager, doc2, &world.root.path().join("rotated")).await;
    assert_eq!(std::fs::read(opened).unwrap(), sealed[1].2);
    assert!(
        north_prac.list_cases().await.is_err(),
        "a removed member still has access"
    );
    harbour_manager
        .remove_member(harbour_prac.keystore().user_id)
        .await
        .unwrap();
    let opened = open_into(&harbour_manager, sealed[2].0, &world.root.path().join("h2")).await;
    assert_eq!(std::fs::read(opened).unwrap(), sealed[2].2);

    let key_file = world.root.path().join("doc.key");
    let body_file = world.root.path().join("doc.age");
    bright_prac
        .export_key(sealed[3].0, &key_file, Some(&body_file))
        .await
        .unwrap();
    assert!(std::fs::read_to_string(&key_file)
        .unwrap()
        .contains("AGE-SECRET-KEY-1"));
}

/// Meeting another organisation before a share or transfer: first sight is reported, a wrong
/// expected fingerprint is refused without pinning anything, the right one passes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_receiving_organisation_root_is_checked_before_anything_is_sent() {
    let world = World::start().await;
    let admin = world.admin().await;
    let (_, north_manager) = world.org(&admin, "Northshire Council", "north").await;
    let (bright, bright_manager) = world.org(&admin, "Brightwater", "bright").await;
    let real = bright_manager.my_org_root().await.unwrap();
    let wrong = north_manager.my_org_root().await.unwrap();

    let err = north_manager
        .meet_org(bright, Some(wrong))
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::OrgRootMismatch(o) if o == bright));
    assert!(!err.to_string().contains(&real.to_string()), "{err}");

    let first = north_manager.meet_org(bright, None).await.unwrap();
    assert!(first.first_sight, "the refused attempt pinned the key");
    assert_eq!(first.root, real);
    let again = north_manager.meet_org(bright, Some(real)).await.unwrap();
    assert!(!again.first_sight);
}

/// Regression: a stored token the server refused was reported as "not logged in".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_session_says_it_expired() {
    let world = World::start().await;
    let mut admin = world.admin().await;
    let stale = Client::open(
        &world.home("admin"),
        &world.server,
        secret("a long passphrase"),
    )
    .unwrap();
    admin.logout().await.unwrap();
    let err = stale.list_orgs().await.unwrap_err();
    assert!(matches!(err, ClientError::SessionExpired), "{err}");
    assert_eq!(
        err.to_string(),
        "the session expired or was ended: run `vaultctl login`"
    );
}

/// What `vaultctl` prints on stderr when `org`'s root was not the expected one.
fn mismatch_text(org: &str) -> String {
    format!(
        "vaultctl: organisation {org}'s root key does not match the fingerprint you expected; \
         nothing was sent or accepted and nothing was pinned: check the fingerprint with that \
         organisation again (its manager reads it from the first line of \
         `vaultctl org members`)\n"
    )
}

/// What `vaultctl` prints on stderr, once, when it pins `org`'s root `root` unchecked.
fn first_sight_text(org: &str, root: &str) -> String {
    format!(
        "organisation {org} seen for the first time; its root key is {root}\n\
         compare it once with that organisation out of band (its manager reads it from the \
         first line of `vaultctl org members`); it is pinned from now on, and \
         --expect-fingerprint FP checks it before anything is sent or accepted\n"
    )
}

/// The command line's texts: the first-sight note and --expect-fingerprint on share and
/// transfer, a pending member's role, a short wrong passphrase on unlock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_says_what_happened() {
    let world = World::start().await;
    let admin = world.admin().await;
    let (_, north_manager) = world.org(&admin, "Northshire Council", "north").await;
    let (bright, bright_manager) = world.org(&admin, "Brightwater", "bright").await;
    let (harbour, harbour_manager) = world.org(&admin, "Harbour Fostering", "harbour").await;
    let bright_root = bright_manager.my_org_root().await.unwrap().to_string();
    let harbour_root = harbour_manager.my_org_root().await.unwrap().to_string();
    let (case, doc) = world.case_with_note(&north_manager, "NC-2026-0160").await;
    let doc = doc.to_string();
    let (case, bright, harbour) = (case.to_string(), bright.to_string(), harbour.to_string());

    // A wrong expectation is refused before anything is sent, and the real value is not shown.
    let share = [
        "doc",
        "share",
        &doc,
        "--org",
        &harbour,
        "--expect-fingerprint",
    ];
    let (ok, _, err) = vaultctl(&world, "north", &[&share[..], &[&bright_root]].concat()).await;
    assert!(!ok);
    assert_eq!(err, mismatch_text(&harbour));
    assert!(north_manager
        .shares_of(doc.parse().unwrap())
        .await
        .unwrap()
        .is_empty());
    let (ok, out, err) = vaultctl(&world, "north", &[&share[..], &[&harbour_root]].concat()).await;
    assert!(ok, "{err}");
    assert_eq!(
        (out, err),
        (format!("shared {doc} with {harbour}\n"), String::new())
    );

    // First sight without an expectation: pinned, with the note on stderr.
    let (ok, _, err) = vaultctl(
        &world,
        "north",
        &["case", "transfer", &case, "--to", &bright],
    )
    .await;
    assert!(ok, "{err}");
    assert_eq!(err, first_sight_text(&bright, &bright_root));
    let (ok, out, _) = vaultctl(&world, "bright", &["org", "members"]).await;
    assert!(ok);
    assert!(
        out.starts_with(&format!("organisation root key: {bright_root} (")),
        "{out}"
    );

    // A pending member's role, and a short wrong passphrase on an existing keystore.
    let mut pending = world.person("pending", "pending@example.org");
    let password = secret("password of pending");
    pending
        .register(north_manager.keystore().org_id.unwrap(), None, &password)
        .await
        .unwrap();
    pending.login(&password).await.unwrap();
    let (ok, out, err) = vaultctl(&world, "pending", &["whoami"]).await;
    assert!(ok, "{err}");
    assert!(out.contains("\nrole: pending approval\n"), "{out}");
    let (ok, _, err) = vaultctl_with(&world, "pending", "short", &["keys", "fingerprint"]).await;
    assert!(!ok);
    assert_eq!(
        err,
        "vaultctl: wrong passphrase (or the keystore is damaged)\n"
    );
}

/// Accepting from an organisation met for the first time: a wrong expectation refuses before
/// anything is accepted or pinned, without showing the real value; otherwise the root is
/// pinned and announced once on stderr, and a later command that trusts it says nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accepting_from_a_new_organisation_shows_its_root_once() {
    let world = World::start().await;
    let admin = world.admin().await;
    let (north, north_manager) = world.org(&admin, "Northshire Council", "north").await;
    let (bright, bright_manager) = world.org(&admin, "Brightwater", "bright").await;
    let north_root = north_manager.my_org_root().await.unwrap().to_string();
    let bright_root = bright_manager.my_org_root().await.unwrap().to_string();
    let (case, _) = world.case_with_note(&north_manager, "NC-2026-0170").await;
    let transfer = north_manager.transfer_case(case, bright).await.unwrap();
    let (case, north, transfer) = (case.to_string(), north.to_string(), transfer.to_string());
    let pins = || std::fs::read_to_string(world.home("bright").join("pins.json")).unwrap();

    let accept = ["case", "accept", &transfer, "--expect-fingerprint"];
    let (ok, out, err) = vaultctl(&world, "bright", &[&accept[..], &[&bright_root]].concat()).await;
    assert!(!ok);
    assert_eq!(out, "");
    assert_eq!(err, mismatch_text(&north));
    assert!(!err.contains(&north_root), "{err}");
    assert!(
        !pins().contains(&north),
        "the refused accept pinned the sender"
    );
    let (ok, out, _) = vaultctl(&world, "bright", &["case", "transfers"]).await;
    assert!(ok);
    assert!(out.contains("  offered  1 document\n"), "{out}");

    let (ok, out, err) = vaultctl(&world, "bright", &["case", "accept", &transfer]).await;
    assert!(ok, "{err}");
    assert_eq!(
        out,
        format!("accepted: case {case} now belongs to your organisation\n")
    );
    assert_eq!(err, first_sight_text(&north, &north_root));
    assert!(pins().contains(&north));

    let (ok, out, err) = vaultctl(&world, "bright", &["doc", "list", &case, "--json"]).await;
    assert!(ok, "{err}");
    assert_eq!(err, "", "the notice was shown twice");
    assert!(out.starts_with('['), "{out}");
    let (ok, out, _) = vaultctl(&world, "bright", &["case", "list"]).await;
    assert!(ok);
    assert!(out.contains("  1 document  "), "{out}");

    // Regression: the local file name was printed raw, so ESC or a newline reached the terminal.
    let odd = world.root.path().join("a\u{1b}[2J\nb.txt");
    std::fs::write(&odd, b"note").unwrap();
    let odd = odd.to_str().unwrap();
    let (ok, out, err) = vaultctl(&world, "bright", &["doc", "seal", &case, odd]).await;
    assert!(ok, "{err}");
    assert!(out.ends_with("a\\u{1b}[2J\\u{a}b.txt\n"), "{out:?}");
    assert_eq!(out.matches('\n').count(), 1, "{out:?}");
}

/// Regression: a practitioner's `case transfer` pinned the receiving organisation and printed
/// its first-sight note before the server refused the offer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_practitioner_transfer_is_refused_before_anything_is_pinned() {
    let world = World::start().await;
    let admin = world.admin().await;
    let (north, north_manager) = world.org(&admin, "Northshire Council", "north").await;
    let (bright, _) = world.org(&admin, "Brightwater", "bright").await;
    let _practitioner = world.join(&north_manager, north, "north-prac").await;
    let case = north_manager.create_case("NC-2026-0180").await.unwrap();
    let (case, bright) = (case.to_string(), bright.to_string());

    let transfer = ["case", "transfer", &case, "--to", &bright];
    let (ok, out, err) = vaultctl(&world, "north-prac", &transfer).await;
    assert!(!ok);
    assert_eq!(out, "");
    assert!(
        err.ends_with(
            "vaultctl: only a manager can offer a case to another organisation; your role is \
             practitioner\n"
        ),
        "{err}"
    );
    assert!(!err.contains(&bright), "{err}");
    let pins = std::fs::read_to_string(world.home("north-prac").join("pins.json")).unwrap();
    assert!(
        !pins.contains(&bright),
        "the refused transfer pinned the receiver"
    );
}

/// The log key is shown once, by the command that first meets it; a wrong `--expect-log-key`
/// stops any command; `audit witness` says what it cosigned and `--require-witness` takes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_shows_the_log_key_once_and_requires_what_it_is_told() {
    let world = World::start().await;
    let admin = world.admin().await;
    let auditor_id = world
        .person("auditor", "auditor@platform.example")
        .keystore()
        .user_id;
    admin
        .add_auditor(
            auditor_id,
            "auditor@platform.example",
            &secret("password of auditor"),
        )
        .await
        .unwrap();
    let password = world.root.path().join("auditor-password");
    std::fs::write(&password, "password of auditor\n").unwrap();
    let password = password.to_str().unwrap();

    let (ok, out, err) = vaultctl(&world, "auditor", &["login", "--password-file", password]).await;
    assert!(ok, "{err}");
    assert!(
        out.starts_with("logged in as auditor@platform.example"),
        "{out}"
    );
    let vkey = err
        .strip_prefix("this server's log was seen for the first time; its key is ")
        .and_then(|rest| rest.split_once('\n'))
        .map_or_else(
            || panic!("no first-sight notice: {err}"),
            |(key, _)| key.to_owned(),
        );
    assert!(vkey.starts_with("case-vault.localhost/log+"), "{vkey}");
    let (ok, _, err) = vaultctl(&world, "auditor", &["whoami"]).await;
    assert!(ok, "{err}");
    assert_eq!(err, "", "the notice was shown twice");

    let wrong = another_log_key();
    let (ok, _, err) = vaultctl(&world, "auditor", &["whoami", "--expect-log-key", &wrong]).await;
    assert!(!ok);
    assert_eq!(
        err,
        format!(
            "vaultctl: the server's log key is not the one given with --expect-log-key (expected \
             {wrong}); nothing was pinned or done\n"
        )
    );
    let (ok, _, err) = vaultctl(&world, "auditor", &["whoami", "--expect-log-key", &vkey]).await;
    assert!(ok, "{err}");

    let (ok, out, err) = vaultctl(&world, "auditor", &["audit", "witness", "--name", "w1"]).await;
    assert!(ok, "{err}");
    let witness = out
        .lines()
        .find_map(|l| l.strip_prefix("witness key: "))
        .unwrap_or_else(|| panic!("{out}"))
        .to_owned();
    assert!(out.starts_with("cosigned checkpoint size "), "{out}");
    assert!(out.contains(" (first cosignature)\n"), "{out}");
    assert!(err.contains(&format!(
        "--require-witness {witness} --witness-max-age SECS"
    )));
    let require = ["--require-witness", &witness, "--witness-max-age", "3600"];
    let (ok, _, err) = vaultctl(&world, "auditor", &[&["whoami"][..], &require].concat()).await;
    assert!(ok, "{err}");
}

/// A log key no server of these tests uses.
fn another_log_key() -> String {
    let key = vault_core::keys::SigningKey::generate()
        .unwrap()
        .verifying_key();
    vault_core::checkpoint::NoteKey {
        name: "case-vault.localhost/log".into(),
        key,
    }
    .to_vkey()
}
