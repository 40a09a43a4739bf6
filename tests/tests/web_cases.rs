//! Case pages: a case sealed with the vault client lists its documents as "sealed" (with the
//! element and sealed metadata the browser will open them from, and no plaintext name), its
//! history and the links of its profiles; managers see its transfer offers; another
//! organisation, even one given a document of the case, gets 404 and does not list it. A
//! document whose stored record was rewritten by hand is marked on the page and refused alone
//! by the API, while the rest of the case still lists.

use vault_core::ids::{CaseId, OrgId, UserId};
use vault_tests::platform::{seal_text, Platform, TwoOrgs};
use vault_tests::web::{Browser, Page};
use vault_tests::web_fixtures::{
    self, api_get, child_profile, family_profile, says, Child, Family, DOCUMENT_DAMAGED,
};

/// Signs `name` (a vault member made by [`Platform`]) in to the web app.
async fn browser(platform: &Platform, name: &str) -> Browser {
    web_fixtures::member_browser(platform, name).await
}

async fn sealed_metadata(platform: &Platform, document: &str) -> Vec<u8> {
    let pool = web_fixtures::pool(platform).await;
    let (bytes,): (Vec<u8>,) =
        sqlx::query_as("SELECT sealed_metadata FROM documents WHERE id = $1")
            .bind(document)
            .fetch_one(&pool)
            .await
            .unwrap();
    pool.close().await;
    bytes
}

/// A child profile of `case` in `north` with a link, at "visit", to a family of `bright`,
/// written directly.
async fn link_of_case(
    platform: &Platform,
    case: CaseId,
    north: OrgId,
    bright: OrgId,
    worker: UserId,
) {
    let child = child_profile(platform, north, worker, Child::default()).await;
    let family = family_profile(platform, bright, worker, Family::default()).await;
    web_fixtures::exec(
        platform,
        "UPDATE child_profiles SET case_id = $1 WHERE id = $2",
        &[&case.to_string(), &child.to_string()],
    )
    .await;
    web_fixtures::exec(
        platform,
        "INSERT INTO links (id, child_profile_id, family_profile_id, child_org, family_org, \
                            status, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 'visit', $6, 1, 1)",
        &[
            &uuid::Uuid::new_v4().to_string(),
            &child.to_string(),
            &family.to_string(),
            &north.to_string(),
            &bright.to_string(),
            &worker.to_string(),
        ],
    )
    .await;
}

fn check_document(page: &Page, document: &str, metadata: &[u8]) {
    let element = format!(
        "data-document-id=\"{document}\" data-sealed-metadata=\"{}\"",
        vault_core::b64::encode(metadata)
    );
    assert!(page.body.contains(&element), "{}", page.body);
    assert!(says(page, "sealed"));
    assert!(
        !page.body.to_lowercase().contains("court-report"),
        "the plaintext name never reaches the page"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_shows_sealed_documents_history_links_and_offers_to_its_organisation_only() {
    let platform = Platform::start().await;
    let TwoOrgs {
        north,
        north_manager,
        north_practitioner,
        bright,
        ..
    } = platform.north_and_bright().await;
    let case = north_practitioner
        .create_case("NC-2026-0142")
        .await
        .unwrap();
    let dir = platform.plain_files("north");
    let document = seal_text(&north_practitioner, case, &dir, "court-report-amy.txt", 40).await;
    let worker = north_practitioner.keystore().user_id;
    link_of_case(&platform, case, north, bright, worker).await;
    // Brightwater is given the document alone: that makes the case none of its cases.
    north_practitioner.share(document, bright).await.unwrap();

    let mut nia = browser(&platform, "north-practitioner").await;
    let list = nia.get("/cases").await;
    assert_eq!(list.status, 200);
    assert!(says(&list, "NC-2026-0142"));
    assert!(list.body.contains(&format!("href=\"/cases/{case}\"")));
    let page = nia.get(&format!("/cases/{case}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(says(&page, "Case NC-2026-0142"));
    let metadata = sealed_metadata(&platform, &document.to_string()).await;
    check_document(&page, &document.to_string(), &metadata);
    assert!(says(
        &page,
        "north-practitioner (Northshire Council) sealed a document"
    ));
    assert!(says(
        &page,
        "north-practitioner (Northshire Council) opened the case"
    ));
    assert!(says(
        &page,
        "Amy and Ben (Ages 4 and 6) with Sam and Alex: visit"
    ));
    assert!(
        !says(&page, "Transfer offers"),
        "practitioners do not see offers"
    );

    north_manager.transfer_case(case, bright).await.unwrap();
    let mut manager = browser(&platform, "north-manager").await;
    let page = manager.get(&format!("/cases/{case}")).await;
    assert_eq!(page.status, 200);
    assert!(says(&page, "Transfer offers"));
    assert!(says(
        &page,
        "Northshire Council Brightwater Adoption Agency offered 1 "
    ));
    assert!(says(&page, "offered the case to another organisation"));

    let mut other = browser(&platform, "bright-manager").await;
    assert_eq!(other.get(&format!("/cases/{case}")).await.status, 404);
    assert!(!says(&other.get("/cases").await, "NC-2026-0142"));
    assert_eq!(
        other.get(&format!("/cases/{}", CaseId::new())).await.status,
        404
    );
    assert_eq!(other.get("/cases/not-a-case").await.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_document_whose_metadata_was_rewritten_as_text_is_marked_and_the_rest_still_lists() {
    let platform = Platform::start().await;
    if !platform.database_url.starts_with("sqlite:") {
        // PostgreSQL's BYTEA column cannot hold text: there is no such record to damage.
        return;
    }
    let orgs = platform.north_and_bright().await;
    let worker = &orgs.north_practitioner;
    let case = worker.create_case("NC-2026-0143").await.unwrap();
    let dir = platform.plain_files("north");
    let good = seal_text(worker, case, &dir, "court-report-amy.txt", 40).await;
    let bad = seal_text(worker, case, &dir, "court-report-ben.txt", 40).await;
    // An operator's hand edit: bytes that are not UTF-8, stored as text.
    web_fixtures::exec(
        &platform,
        "UPDATE documents SET sealed_metadata = CAST(X'ff00' AS TEXT) WHERE id = $1",
        &[&bad.to_string()],
    )
    .await;

    let mut nia = browser(&platform, "north-practitioner").await;
    let page = nia.get(&format!("/cases/{case}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let metadata = sealed_metadata(&platform, &good.to_string()).await;
    check_document(&page, &good.to_string(), &metadata);
    assert!(page.body.contains(&format!(
        "<tr class=\"document\" data-document-id=\"{bad}\">\n      \
         <td data-label=\"Name\" class=\"error\">"
    )));
    assert!(says(
        &page,
        "This document’s name cannot be read: its record on the platform was changed outside \
         the vault, so it will not open. Tell your manager, who can ask the platform admin to \
         restore it from a backup."
    ));

    for path in [
        format!("/v1/cases/{case}"),
        format!("/v1/cases/{case}/documents"),
    ] {
        let listed = api_get(&mut nia, &path).await;
        assert_eq!(listed.status, 200, "{path}: {}", listed.body);
        let json: serde_json::Value = serde_json::from_str(&listed.body).unwrap();
        let documents = json.get("documents").unwrap_or(&json).as_array().unwrap();
        // Both were sealed within the same second: their order is not the point here.
        let mut listed: Vec<(&str, &str)> = documents
            .iter()
            .map(|d| {
                let id = d["document_id"].as_str().unwrap();
                (id, d["sealed_metadata"].as_str().unwrap())
            })
            .collect();
        listed.sort_unstable();
        let (good, bad) = (good.to_string(), bad.to_string());
        let encoded = vault_core::b64::encode(&metadata);
        let mut expected = [(good.as_str(), encoded.as_str()), (bad.as_str(), "")];
        expected.sort_unstable();
        assert_eq!(listed, expected, "{path}");
    }
    for path in [
        format!("/v1/documents/{bad}"),
        format!("/v1/documents/{bad}/body"),
    ] {
        let refused = api_get(&mut nia, &path).await;
        assert_eq!(
            (refused.status, refused.body.as_str()),
            (409, DOCUMENT_DAMAGED),
            "{path}"
        );
    }
    let path = format!("/v1/documents/{good}");
    let opened = api_get(&mut nia, &path).await;
    assert_eq!(opened.status, 200, "{}", opened.body);

    // vaultctl's listing keeps the other documents and says what is wrong with the one.
    let mut listed = worker.list_documents(case).await.unwrap();
    listed.sort_by_key(|d| d.document_id != good);
    let shown = web_fixtures::document_rows(&listed);
    assert_eq!(
        shown,
        [
            (good, true, Some("court-report-amy.txt"), None),
            (
                bad,
                false,
                None,
                Some(
                    "the stored record of this document is damaged: the platform's operator \
                     must restore it from a backup"
                )
            ),
        ]
    );
}
