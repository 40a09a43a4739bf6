//! Two servers on different ports sharing one database and one object store serve the same
//! people, as replicas behind a load balancer do: a document sealed through one opens byte for
//! byte through the other, a token from a login on one works on the other, and a transfer
//! accepted through one is seen at once through the other, and both answer one audit record in
//! which the actions taken through either stand in order. On the `SQLite` file and local
//! directory by default; on `PostgreSQL` and S3 with the CI variables (see `Platform`).

use vault_client::documents::{NoProgress, OpenTarget};
use vault_tests::platform::{Platform, TwoOrgs};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_serve_the_same_people() {
    let platform = Platform::start().await;
    let (a, b) = (platform.url.clone(), platform.replica().await);
    assert_ne!(a, b);
    let TwoOrgs {
        north_manager,
        north_practitioner: practitioner,
        bright,
        bright_manager,
        ..
    } = platform.north_and_bright().await;

    // Sealed through A: a sample, and a body of several object-store parts.
    let big = platform.dir.path().join("case-notes.bin");
    let bytes: Vec<u8> = (0..11 * 1024 * 1024)
        .map(|i: u32| (i % 253) as u8)
        .collect();
    std::fs::write(&big, &bytes).unwrap();
    let case = practitioner.create_case("NC-R-1").await.unwrap();
    let sealing = practitioner.prepare_case(case).await.unwrap();
    let mut originals = Vec::new();
    for path in [vault_tests::sample_files()[1].clone(), big] {
        let document = practitioner
            .seal_file(&sealing, &path, NoProgress)
            .await
            .unwrap();
        originals.push((document, path));
    }

    // The session from the login on A, used on B.
    let on_b = platform.person_at_server("north-practitioner", &b);
    let me = on_b.whoami().await.unwrap();
    assert_eq!(me.user_id, practitioner.keystore().user_id);
    for (document, original) in &originals {
        let target = OpenTarget::Dir(platform.dir.path().join("opened/north-on-b"));
        let opened = on_b
            .open_document(*document, &target, false, NoProgress)
            .await
            .unwrap();
        assert!(
            std::fs::read(&opened).unwrap() == std::fs::read(original).unwrap(),
            "{} differs when opened through the other replica",
            original.display()
        );
    }

    // Offered through A, accepted through B, seen through A at once.
    let transfer = north_manager.transfer_case(case, bright).await.unwrap();
    let bright_on_b = platform.person_at_server("bright-manager", &b);
    assert_eq!(bright_on_b.accept_transfer(transfer).await.unwrap(), case);
    let bright_cases = bright_manager.list_cases().await.unwrap();
    assert!(bright_cases
        .iter()
        .any(|c| c.case_id == case && c.org_id == bright));
    let north_cases = north_manager.list_cases().await.unwrap();
    assert!(north_cases.iter().all(|c| c.case_id != case));
    let (document, original) = &originals[1];
    let target = OpenTarget::Dir(platform.dir.path().join("opened/bright-on-a"));
    let opened = bright_manager
        .open_document(*document, &target, false, NoProgress)
        .await
        .unwrap();
    assert!(std::fs::read(opened).unwrap() == std::fs::read(original).unwrap());

    // One audit record, whichever replica wrote or answers it: the same events through both,
    // in one order, the offer (through A) before the acceptance (through B).
    let through_a = bright_manager.audit_events(0, 1000).await.unwrap();
    let through_b = bright_on_b.audit_events(0, 1000).await.unwrap();
    let seqs = |events: &[vault_core::api::AuditEvent]| -> Vec<i64> {
        events.iter().map(|e| e.seq).collect()
    };
    assert_eq!(seqs(&through_a), seqs(&through_b));
    assert!(seqs(&through_a).windows(2).all(|w| w[0] < w[1]));
    let position = |action: &str| {
        through_a
            .iter()
            .position(|e| e.action == action && e.object_id == transfer.to_string())
            .unwrap_or_else(|| panic!("no {action} event for the transfer"))
    };
    assert!(position("case.transfer_offered") < position("case.transfer_accepted"));
}
