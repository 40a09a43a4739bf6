//! `vaultctl doc open` and the share commands as a new user meets them: where an opened file
//! goes and under which name, what a folder the person already had keeps, and what sharing
//! twice or revoking twice says.

mod common;

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use common::world::{vaultctl, World};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

/// Regression: `--out-dir` made an existing group folder (mode 2775) 0700, and a sealed name
/// with a right-to-left override was printed and written raw, showing as "…exe.pdf".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opening_keeps_an_existing_folder_and_writes_an_odd_name_safely() {
    let world = World::start().await;
    let admin = world.admin().await;
    let (_, manager) = world.org(&admin, "Northshire Council", "north").await;
    let odd = "invoice\u{202e}fdp.exe";
    let (_, doc) = world.case_with_file(&manager, "NC-2026-0190", odd).await;
    let doc = doc.to_string();

    let shared = world.root.path().join("team-folder");
    std::fs::create_dir(&shared).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o2775)).unwrap();
    let dir = shared.to_str().unwrap();
    let (ok, out, err) = vaultctl(&world, "north", &["doc", "open", &doc, "--out-dir", dir]).await;
    assert!(ok, "{err}");
    assert_eq!(mode(&shared), 0o2775);
    assert_eq!(out, format!("{dir}/invoice_fdp.exe\n"));
    assert_eq!(
        err,
        "sealed as invoice\\u{202e}fdp.exe, written as invoice_fdp.exe: path separators, \
         control and invisible formatting characters in a sealed name are written as _\n"
    );
    assert_eq!(common::entries(&shared), ["invoice_fdp.exe"]);

    // A folder that is not there yet is made for the person alone, parents included.
    let fresh = world.root.path().join("new").join("opened");
    let dir = fresh.to_str().unwrap();
    let (ok, _, err) = vaultctl(&world, "north", &["doc", "open", &doc, "--out-dir", dir]).await;
    assert!(ok, "{err}");
    assert_eq!(mode(&fresh), 0o700);
    assert_eq!(mode(fresh.parent().unwrap()), 0o700);
    assert_eq!(common::entries(&fresh), ["invoice_fdp.exe"]);

    // --out names the file: it is written as asked, and its name is printed escaped.
    let chosen = shared.join(format!("copy-{odd}"));
    let path = chosen.to_str().unwrap();
    let (ok, out, err) = vaultctl(&world, "north", &["doc", "open", &doc, "--out", path]).await;
    assert!(ok, "{err}");
    assert_eq!(
        (out, err),
        (
            format!("{}/copy-invoice\\u{{202e}}fdp.exe\n", shared.display()),
            String::new()
        )
    );
    assert_eq!(std::fs::read(&chosen).unwrap(), b"contact note");
}

/// Regression: sharing twice answered "the request conflicts with existing data", and revoking
/// twice "not found (it does not exist, or your organisation cannot reach it…)", to the very
/// organisation that owns the document.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sharing_twice_or_revoking_twice_says_what_is_so() {
    let world = World::start().await;
    let admin = world.admin().await;
    let (_, manager) = world.org(&admin, "Northshire Council", "north").await;
    let (bright, _) = world.org(&admin, "Brightwater", "bright").await;
    let (_, doc) = world.case_with_note(&manager, "NC-2026-0200").await;
    manager.share(doc, bright).await.unwrap();
    let (doc, bright) = (doc.to_string(), bright.to_string());

    let (ok, out, err) = vaultctl(&world, "north", &["doc", "share", &doc, "--org", &bright]).await;
    assert!(!ok, "{out}");
    assert_eq!(
        err,
        format!(
            "vaultctl: document {doc} is already shared with organisation {bright}; nothing \
             changed\n"
        )
    );

    let revoke = ["doc", "revoke", &doc, "--org", &bright];
    let (ok, _, err) = vaultctl(&world, "north", &revoke).await;
    assert!(ok, "{err}");
    let (ok, out, err) = vaultctl(&world, "north", &revoke).await;
    assert!(!ok, "{out}");
    assert_eq!(
        err,
        format!(
            "vaultctl: there is no share of document {doc} with organisation {bright} (it was \
             already revoked, or never made); nothing changed\n"
        )
    );

    // A document the organisation cannot reach still gets the general answer.
    let unknown = vault_core::ids::DocumentId::new().to_string();
    let revoke = ["doc", "revoke", &unknown, "--org", &bright];
    let (ok, _, err) = vaultctl(&world, "north", &revoke).await;
    assert!(!ok);
    assert!(
        err.ends_with(
            "(it does not exist, or your organisation cannot reach it: never shared with you, \
             transferred away, or your membership was removed)\n"
        ),
        "{err}"
    );
}

/// Regression: a seal of several files that failed named no file and said nothing of the files
/// after it; the files sealed before it are printed with their ids.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seal_that_fails_names_the_file_and_the_files_not_sealed() {
    let world = World::start().await;
    let admin = world.admin().await;
    let (_, manager) = world.org(&admin, "Northshire Council", "north").await;
    let (case, _) = world.case_with_note(&manager, "NC-2026-0191").await;
    let dir = world.root.path().join("to-seal");
    std::fs::create_dir_all(dir.join("not-a-file")).unwrap();
    for name in ["first.txt", "third.txt", "fourth.txt"] {
        std::fs::write(dir.join(name), name).unwrap();
    }
    let path = |name: &str| dir.join(name).to_str().unwrap().to_owned();
    let (first, broken) = (path("first.txt"), path("not-a-file"));
    let (third, fourth) = (path("third.txt"), path("fourth.txt"));
    let case = case.to_string();
    let args = ["doc", "seal", &case, &first, &broken, &third, &fourth];
    let (ok, out, err) = vaultctl(&world, "north", &args).await;
    assert!(!ok);
    // The first file went in; its id is printed before the failure.
    assert!(out.ends_with(&format!("  {first}\n")), "{out}");
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(err.starts_with(&format!("vaultctl: {broken}: ")), "{err}");
    assert!(err.contains("Is a directory"), "{err}");
    assert!(
        err.ends_with(&format!("; not sealed either: {third}, {fourth}\n")),
        "{err}"
    );
    let (ok, listed, err) = vaultctl(&world, "north", &["doc", "list", &case]).await;
    assert!(ok, "{err}");
    assert!(listed.contains("first.txt"), "{listed}");
    assert!(!listed.contains("third.txt"), "{listed}");
}

/// Regression: `case list` and `doc shared` printed nothing at all when there was nothing,
/// which reads as a command that did not run; keys fetched for a registered member are not
/// labelled as waiting for registration (see `keys fingerprint`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_listings_say_so_and_a_registered_keystore_is_labelled_as_such() {
    let world = World::start().await;
    let admin = world.admin().await;
    world.org(&admin, "Northshire Council", "north").await;
    let said = |args: &'static [&'static str]| {
        let world = &world;
        async move {
            let (ok, out, err) = vaultctl(world, "north", args).await;
            assert!(ok, "{err}");
            out
        }
    };
    assert_eq!(
        said(&["case", "list"]).await,
        "your organisation has no cases\n"
    );
    assert_eq!(
        said(&["doc", "shared"]).await,
        "no document is shared with your organisation\n"
    );
    let fingerprints = said(&["keys", "fingerprint"]).await;
    assert!(fingerprints.starts_with("user id:  "), "{fingerprints}");
    assert!(
        !fingerprints.contains("once you register"),
        "{fingerprints}"
    );
    assert!(!fingerprints.contains("read this out"), "{fingerprints}");
}
