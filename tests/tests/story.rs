//! The whole story in-process: three organisations onboard, a practitioner seals every sample
//! document, one is shared, the case is transferred and opened byte for byte by the receiver
//! and by nobody else, a document opens with the stock `age` tool from exported keys, and the
//! server's data directory holds nothing readable.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use vault_client::documents::{NoProgress, OpenTarget};
use vault_client::Client;
use vault_core::ids::{CaseId, DocumentId};
use vault_core::statement::Role;
use vault_tests::platform::{Platform, TwoOrgs};
use vault_tests::{files_below, sample_files, scan_data_dir};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seal_share_transfer_open_and_the_server_holds_nothing_readable() {
    let platform = Platform::start().await;
    let TwoOrgs {
        north_manager,
        north_practitioner,
        bright,
        bright_manager,
        ..
    } = platform.north_and_bright().await;
    let (harbour, harbour_manager) = platform
        .organisation("Harbour Fostering", "harbour-manager")
        .await;
    let bright_practitioner = platform
        .member(
            "bright-practitioner",
            bright,
            &bright_manager,
            Role::Practitioner,
        )
        .await;
    let harbour_practitioner = platform
        .member(
            "harbour-practitioner",
            harbour,
            &harbour_manager,
            Role::Practitioner,
        )
        .await;

    let case = north_practitioner
        .create_case("NC-2026-0142")
        .await
        .unwrap();
    let originals = seal_every_sample(&north_practitioner, case).await;

    // Share one document with Harbour; it opens there byte for byte.
    let (&shared, shared_path) = originals.iter().next().unwrap();
    north_practitioner.share(shared, harbour).await.unwrap();
    let harbour_dir = platform.dir.path().join("opened/harbour");
    open_and_compare(&harbour_practitioner, shared, shared_path, &harbour_dir).await;

    // Transfer the case to Brightwater, which then opens every document; Northshire none.
    let transfer = north_manager.transfer_case(case, bright).await.unwrap();
    assert_eq!(
        bright_manager.accept_transfer(transfer).await.unwrap(),
        case
    );
    let bright_dir = platform.dir.path().join("opened/bright");
    for (&document, original) in &originals {
        open_and_compare(&bright_practitioner, document, original, &bright_dir).await;
    }
    let north_dir = platform.dir.path().join("opened/north-after");
    for &document in originals.keys() {
        let target = OpenTarget::Dir(north_dir.clone());
        let refused = north_practitioner
            .open_document(document, &target, false, NoProgress)
            .await;
        assert!(refused.is_err(), "Northshire still opened {document}");
    }
    assert!(
        files_below(&north_dir).is_empty(),
        "a refused open left a file"
    );

    open_with_stock_age(&platform, &bright_practitioner, &originals).await;

    // Nothing readable in what the server stores.
    let samples = sample_files();
    let stored = platform.stored_data_dir().await;
    let findings = scan_data_dir(&stored, &samples);
    assert!(findings.is_empty(), "{findings:#?}");
    assert!(
        files_below(&stored.join("objects")).len() >= samples.len(),
        "the scan must have had the stored objects to look at"
    );
}

/// Seals every sample into `case`; checks the listing shows each as genuine under its name.
async fn seal_every_sample(practitioner: &Client, case: CaseId) -> HashMap<DocumentId, PathBuf> {
    let sealing = practitioner.prepare_case(case).await.unwrap();
    let samples = sample_files();
    let mut originals = HashMap::new();
    for path in &samples {
        let document = practitioner
            .seal_file(&sealing, path, NoProgress)
            .await
            .unwrap();
        originals.insert(document, path.clone());
    }
    let listed = practitioner.list_documents(case).await.unwrap();
    assert_eq!(listed.len(), samples.len());
    for view in &listed {
        assert!(view.genuine, "{:?}", view.problem);
        let original = &originals[&view.document_id];
        assert_eq!(
            view.file_name.as_deref(),
            original.file_name().and_then(|n| n.to_str())
        );
    }
    originals
}

async fn open_and_compare(who: &Client, document: DocumentId, original: &Path, dir: &Path) {
    let target = OpenTarget::Dir(dir.to_owned());
    let opened = who
        .open_document(document, &target, false, NoProgress)
        .await
        .unwrap();
    assert_eq!(
        std::fs::read(&opened).unwrap(),
        std::fs::read(original).unwrap()
    );
}

/// Exports one document's key and ciphertext and opens them with the stock `age` tool.
async fn open_with_stock_age(
    platform: &Platform,
    who: &Client,
    originals: &HashMap<DocumentId, PathBuf>,
) {
    let (&exported, exported_path) = originals
        .iter()
        .find(|(_, p)| std::fs::metadata(p).unwrap().len() > 1000)
        .unwrap();
    let export_dir = platform.dir.path().join("export");
    std::fs::create_dir_all(&export_dir).unwrap();
    let key_file = export_dir.join("document.key");
    let body_file = export_dir.join("document.age");
    who.export_key(exported, &key_file, Some(&body_file))
        .await
        .unwrap();
    let output = std::process::Command::new("age")
        .arg("-d")
        .arg("-i")
        .arg(&key_file)
        .arg(&body_file)
        .output()
        .expect("the stock age tool (apt-get install age)");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(output.stdout, std::fs::read(exported_path).unwrap());
}
