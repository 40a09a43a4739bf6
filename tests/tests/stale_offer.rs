//! The stale-offer dead end, as vaultctl's library meets it: sealing into a case whose offer
//! waits is refused with advice, a receiver whose key changed is told to decline, and after a
//! decline or a withdrawal the case is offered again, accepted and opened byte for byte.

use std::path::Path;

use vault_client::documents::{NoProgress, OpenTarget};
use vault_client::Client;
use vault_core::api::TransferStatus;
use vault_core::ids::{CaseId, DocumentId, TransferId};
use vault_core::statement::Role;
use vault_tests::platform::{Platform, TwoOrgs};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_offer_is_declined_or_withdrawn_and_the_case_moves_on_a_new_one() {
    let platform = Platform::start().await;
    let TwoOrgs {
        north_manager,
        north_practitioner,
        bright,
        bright_manager,
        ..
    } = platform.north_and_bright().await;
    let bright_practitioner = platform
        .member(
            "bright-practitioner",
            bright,
            &bright_manager,
            Role::Practitioner,
        )
        .await;
    let leaving = platform
        .member("bright-leaver", bright, &bright_manager, Role::Practitioner)
        .await;
    let dir = platform.dir.path().join("files");
    std::fs::create_dir_all(&dir).unwrap();
    let case = north_practitioner.create_case("NC-STALE").await.unwrap();
    let first = seal(&north_practitioner, case, &dir.join("first.txt"), b"first").await;

    // Sealing while an offer waits is refused with what to do; the sender withdraws.
    let offer = north_manager.transfer_case(case, bright).await.unwrap();
    let late = dir.join("late.txt");
    std::fs::write(&late, b"late").unwrap();
    let sealing = north_practitioner.prepare_case(case).await.unwrap();
    let refused = north_practitioner
        .seal_file(&sealing, &late, NoProgress)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("the case has a transfer offer waiting; withdraw it"),
        "{refused}"
    );
    assert_eq!(north_manager.withdraw_transfer(offer).await.unwrap(), case);
    assert_eq!(
        status(&north_manager, offer).await,
        TransferStatus::Withdrawn
    );
    let again = bright_manager.decline_transfer(offer).await.unwrap_err();
    assert!(again.to_string().contains("no longer waits"), "{again}");
    let second = seal(&north_practitioner, case, &late, b"late").await;

    // The receiver's key changes while the next offer waits: accepting says to decline.
    let offer = north_manager.transfer_case(case, bright).await.unwrap();
    bright_manager
        .remove_member(leaving.keystore().user_id)
        .await
        .unwrap();
    let stale = bright_manager
        .accept_transfer(offer)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        stale.contains(&format!("vaultctl case decline {offer}")),
        "{stale}"
    );
    assert_eq!(bright_manager.decline_transfer(offer).await.unwrap(), case);
    assert_eq!(
        status(&bright_manager, offer).await,
        TransferStatus::Declined
    );

    // A fresh offer to the new key is accepted and every document opens at Brightwater.
    let offer = north_manager.transfer_case(case, bright).await.unwrap();
    assert_eq!(bright_manager.accept_transfer(offer).await.unwrap(), case);
    let opened = platform.dir.path().join("opened");
    for (document, bytes) in [(first, &b"first"[..]), (second, &b"late"[..])] {
        let target = OpenTarget::Dir(opened.clone());
        let path = bright_practitioner
            .open_document(document, &target, false, NoProgress)
            .await
            .unwrap();
        assert_eq!(std::fs::read(path).unwrap(), bytes);
    }
}

/// Writes `bytes` to `path` and seals it into `case`.
async fn seal(who: &Client, case: CaseId, path: &Path, bytes: &[u8]) -> DocumentId {
    std::fs::write(path, bytes).unwrap();
    let sealing = who.prepare_case(case).await.unwrap();
    who.seal_file(&sealing, path, NoProgress).await.unwrap()
}

async fn status(who: &Client, transfer: TransferId) -> TransferStatus {
    let all = who.list_transfers().await.unwrap();
    all.iter()
        .find(|t| t.transfer_id == transfer)
        .expect("the transfer is listed")
        .status
}
