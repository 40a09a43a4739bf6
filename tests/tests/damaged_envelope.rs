//! A document envelope or a share envelope rewritten by hand in the database (no longer JSON of
//! an envelope): the member routes that read it answer 409 `document_damaged` for that document
//! alone, the case's other documents still list and open, vaultctl's listing names the problem,
//! and an auditor's verification, live and on an export, fails check `envelopes` naming the
//! rows and still runs every other check.

use vault_client::audit::{self, report::Failure, Options, Report, CHECKS};
use vault_client::Client;
use vault_core::ids::{CaseId, DocumentId, OrgId};
use vault_tests::platform::{seal_text, Platform};
use vault_tests::web::Browser;
use vault_tests::web_fixtures::{self, api_get, DOCUMENT_DAMAGED};

/// Why check `envelopes` fails a row the server lists without an envelope.
const UNREADABLE: &str =
    "the platform's stored record holds no envelope that reads: it was changed outside the server";

/// An operator's hand edit: JSON cut off before its end.
const CUT_OFF: &str = "{\"x\":1";

/// `name` (a vault member made by [`Platform`]) signed in to the web app, on a page whose
/// script reads the API with the session.
async fn browser(platform: &Platform, name: &str) -> Browser {
    let mut browser = web_fixtures::member_browser(platform, name).await;
    assert_eq!(browser.get("/cases").await.status, 200);
    browser
}

/// Asserts that the member with `browser` is refused each path as a damaged document.
async fn refused(browser: &mut Browser, paths: &[String]) {
    for path in paths {
        let page = api_get(browser, path).await;
        assert_eq!(
            (page.status, page.body.as_str()),
            (409, DOCUMENT_DAMAGED),
            "{path}"
        );
    }
}

/// The failures of check `envelopes`, after asserting that it alone failed and that every
/// check ran.
fn envelope_failures(report: &Report, where_: &str) -> Vec<Failure> {
    let ran: Vec<&str> = report.checks.iter().map(|c| c.name).collect();
    assert_eq!(ran, CHECKS, "{where_}");
    assert_eq!(
        report.failed_checks(),
        ["envelopes"],
        "{where_}: {}",
        report.to_text()
    );
    let check = report.checks.iter().find(|c| c.name == "envelopes");
    let mut failures = check.unwrap().failures.clone();
    failures.sort_by(|a, b| a.subject.cmp(&b.subject));
    failures
}

/// An auditor's verification of the live server, then of an export of it into `export`.
async fn audits(platform: &Platform, auditor: &Client, export: &str) -> [Report; 2] {
    let home = platform.dir.path().join("people/auditor");
    let live = audit::live::verify_live(auditor, &home, &Options::default())
        .await
        .unwrap();
    let out = platform.dir.path().join(export);
    let app = vault_server::App::new(platform.settings.clone())
        .await
        .unwrap();
    app.export_audit(&out).await.unwrap();
    let snapshot = audit::Snapshot::open(&out, "export".into()).unwrap();
    let offline = audit::verify(&snapshot, &home, &Options::default()).unwrap();
    [live, offline]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rewritten_envelope_is_refused_alone_and_named_by_the_audit() {
    let platform = Platform::start().await;
    let orgs = platform.north_and_bright().await;
    let auditor = platform.auditor("auditor").await;
    let worker = &orgs.north_practitioner;
    let case = worker.create_case("NC-2026-0144").await.unwrap();
    let dir = platform.plain_files("north");
    let good = seal_text(worker, case, &dir, "court-report-amy.txt", 40).await;
    let bad = seal_text(worker, case, &dir, "court-report-ben.txt", 40).await;
    let shared = seal_text(worker, case, &dir, "medical-cal.txt", 40).await;
    worker.share(shared, orgs.bright).await.unwrap();
    let before = audits(&platform, &auditor, "export-before").await;
    assert!(before.iter().all(Report::passed), "{}", before[0].to_text());

    web_fixtures::exec(
        &platform,
        "UPDATE documents SET envelope = $1 WHERE id = $2",
        &[CUT_OFF, &bad.to_string()],
    )
    .await;
    web_fixtures::exec(
        &platform,
        "UPDATE shares SET envelope = $1 WHERE document_id = $2",
        &[CUT_OFF, &shared.to_string()],
    )
    .await;

    members_are_refused_that_document_alone(&platform, worker, case, [good, bad, shared]).await;
    the_receiver_is_refused_the_share(&platform, orgs.bright, shared).await;

    let [live, offline] = audits(&platform, &auditor, "export-after").await;
    let named = |subject: String| Failure {
        subject,
        reason: UNREADABLE.into(),
    };
    let expected = {
        let mut e = [
            named(format!("envelope document/{bad}")),
            named(format!("envelope share/{shared}/{}", orgs.bright)),
        ];
        e.sort_by(|a, b| a.subject.cmp(&b.subject));
        e
    };
    for (report, where_) in [(&live, "live"), (&offline, "export")] {
        assert_eq!(envelope_failures(report, where_), expected, "{where_}");
        let printed = format!("    envelope document/{bad}: {UNREADABLE}\n");
        assert!(report.to_text().contains(&printed), "{}", report.to_text());
    }
}

/// The practitioner: the damaged document answers 409 on every route that reads its envelope;
/// the case still lists all three, the others open, and vaultctl names the one.
async fn members_are_refused_that_document_alone(
    platform: &Platform,
    worker: &Client,
    case: CaseId,
    [good, bad, shared]: [DocumentId; 3],
) {
    let mut nia = browser(platform, "north-practitioner").await;
    let paths = [
        format!("/v1/documents/{bad}"),
        format!("/v1/documents/{bad}/body"),
    ];
    refused(&mut nia, &paths).await;
    for document in [good, shared] {
        let opened = api_get(&mut nia, &format!("/v1/documents/{document}")).await;
        assert_eq!(opened.status, 200, "{}", opened.body);
    }
    let listed = api_get(&mut nia, &format!("/v1/cases/{case}/documents")).await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    let json: serde_json::Value = serde_json::from_str(&listed.body).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 3);

    let mut listed = worker.list_documents(case).await.unwrap();
    listed.sort_by_key(|d| {
        [good, bad, shared]
            .iter()
            .position(|&id| id == d.document_id)
    });
    let shown = web_fixtures::document_rows(&listed);
    let message = "the stored record of this document is damaged: the platform's operator must \
                   restore it from a backup";
    assert_eq!(
        shown,
        [
            (good, true, Some("court-report-amy.txt"), None),
            (bad, false, None, Some(message)),
            (shared, true, Some("medical-cal.txt"), None),
        ]
    );
}

/// The receiving organisation's manager: the share and the organisation's holdings, which a
/// key rotation re-wraps, answer 409 naming the damage.
async fn the_receiver_is_refused_the_share(platform: &Platform, bright: OrgId, shared: DocumentId) {
    let mut manager = browser(platform, "bright-manager").await;
    let paths = [
        format!("/v1/documents/{shared}"),
        format!("/v1/orgs/{bright}/holdings"),
    ];
    refused(&mut manager, &paths).await;
}
