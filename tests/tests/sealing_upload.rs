//! `seal_file` uploads while it seals: the ciphertext streams to the server as the body part,
//! with no ciphertext file on the practitioner's machine, and the signed manifest follows. A
//! file that cannot be read part-way abandons the upload: the person sees the reading error and
//! the server keeps no object and no row.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use vault_client::documents::{NoProgress, OpenTarget};
use vault_client::ClientError;
use vault_core::statement::Role;
use vault_tests::platform::Platform;

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sealing_streams_the_body_and_leaves_no_ciphertext_file() {
    let platform = Platform::start().await;
    let (north, manager) = platform
        .organisation("Northshire Council", "north-manager")
        .await;
    let practitioner = platform
        .member("north-prac", north, &manager, Role::Practitioner)
        .await;
    // Several 256 KiB chunks and several 5 MiB object parts.
    let source = platform.dir.path().join("life-story.bin");
    let bytes: Vec<u8> = (0..12 * 1024 * 1024 + 17)
        .map(|i: u32| (i % 239) as u8)
        .collect();
    std::fs::write(&source, &bytes).unwrap();
    let case = practitioner.create_case("NC-S-1").await.unwrap();
    let sealing = practitioner.prepare_case(case).await.unwrap();
    let home = platform.dir.path().join("people").join("north-prac");
    let home_before = files_under(&home);
    let document = practitioner
        .seal_file(&sealing, &source, NoProgress)
        .await
        .unwrap();
    assert_eq!(
        files_under(&home),
        home_before,
        "sealing left files at home"
    );
    let keys = platform.object_keys().await;
    assert_eq!(keys.len(), 1);
    assert!(keys[0].as_ref().contains("documents/received/"), "{keys:?}");

    let target = OpenTarget::Dir(platform.dir.path().join("opened"));
    let opened = manager
        .open_document(document, &target, false, NoProgress)
        .await
        .unwrap();
    assert!(
        std::fs::read(opened).unwrap() == bytes,
        "opened bytes differ"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_that_fails_mid_seal_abandons_the_upload() {
    let platform = Platform::start().await;
    let (_, manager) = platform
        .organisation("Northshire Council", "north-manager")
        .await;
    let case = manager.create_case("NC-S-2").await.unwrap();
    let sealing = manager.prepare_case(case).await.unwrap();
    // A directory opens like a file but fails on the first read, after the request started.
    let unreadable = platform.dir.path().join("not-a-file");
    std::fs::create_dir_all(&unreadable).unwrap();
    let err = manager
        .seal_file(&sealing, &unreadable, NoProgress)
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Seal(_)), "{err:?}");
    assert!(err.to_string().contains("Is a directory"), "{err}");

    let objects = platform.server_dir().join("objects");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !(platform.object_keys().await.is_empty() && files_under(&objects).is_empty()) {
        assert!(
            Instant::now() < deadline,
            "the server kept part of the upload"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(manager.list_documents(case).await.unwrap().is_empty());
}
