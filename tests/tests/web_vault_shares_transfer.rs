//! A share to the organisation that later takes the case over: Northshire shares a document
//! with Brightwater, then transfers the case to Brightwater, which accepts. Brightwater now
//! owns the document, so no list calls it a share any more (the API's two listings, what
//! `vaultctl` reads from them, the case page and "Shared with us"), while the share row stays,
//! the document opens as before and the audit still verifies. When Brightwater passes the case
//! on to Harbour, the share gives Brightwater access again and both sides list it again. A
//! member removed by Brightwater in between re-wraps the hidden share with the rest.

mod web_vault;

use std::path::PathBuf;

use serde_json::{json, Value};
use vault_client::audit::{self, Options};
use vault_client::documents::{NoProgress, OpenTarget};
use vault_client::Client;
use vault_core::ids::{CaseId, DocumentId, OrgId};
use vault_core::statement::Role;
use vault_tests::platform::{seal_text, Platform, TwoOrgs};
use vault_tests::web::{Browser, Page};
use vault_tests::web_fixtures::number;
use web_vault::{get, json_of, member, HEADER};

const NO_CASE_SHARE: &str = "No document of this case is shared with another organisation.";
const NOTHING_SHARED: &str = "No document is shared with your organisation at the moment.";

/// A member's browser and the session token its API calls carry.
struct Session {
    browser: Browser,
    token: String,
}

impl Session {
    async fn of(platform: &Platform, name: &str) -> Self {
        let (browser, token) = member(platform, name).await;
        Self { browser, token }
    }

    /// An API answer as the page's script gets it: its status and body.
    async fn api(&mut self, path: &str) -> Page {
        get(&mut self.browser, path, &[(HEADER, &self.token)]).await
    }

    /// An API listing that must answer 200, as JSON.
    async fn listing(&mut self, path: &str) -> Value {
        let page = self.api(path).await;
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        json_of(&page)
    }

    async fn page(&mut self, path: &str) -> Page {
        let page = self.browser.get(path).await;
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        page
    }
}

/// The rows of the "Shared with us" table.
fn shared_rows(page: &Page) -> usize {
    page.body.matches("data-vault-shared>").count()
}

fn case_lists_share(page: &Page, document: DocumentId, org: OrgId) -> bool {
    page.body.contains(&format!(
        r#"data-share-document="{document}" data-share-org="{org}""#
    ))
}

/// The platform, its three organisations' managers and the shared document of the story.
struct World {
    platform: Platform,
    orgs: TwoOrgs,
    harbour: OrgId,
    harbour_manager: Client,
    auditor: Client,
    case: CaseId,
    doc: DocumentId,
    /// The plain file sealed as `doc`.
    original: PathBuf,
}

impl World {
    /// Northshire seals a document into a case and shares it with Brightwater.
    async fn shared() -> Self {
        let platform = Platform::start().await;
        let orgs = platform.north_and_bright().await;
        let (harbour, harbour_manager) = platform
            .organisation("Harbour Fostering", "harbour-manager")
            .await;
        let auditor = platform.auditor("auditor").await;
        let p = &orgs.north_practitioner;
        let case = p.create_case("NC-2026-0601").await.unwrap();
        let files = platform.plain_files("plain");
        let doc = seal_text(p, case, &files, "plan.txt", 20).await;
        p.share(doc, orgs.bright).await.unwrap();
        Self {
            original: files.join("plan.txt"),
            platform,
            orgs,
            harbour,
            harbour_manager,
            auditor,
            case,
            doc,
        }
    }

    async fn opens_for_brightwater(&self, dir: &str) {
        let dir = self.platform.dir.path().join("opened").join(dir);
        let who = &self.orgs.bright_manager;
        let opened = who
            .open_document(self.doc, &OpenTarget::Dir(dir), false, NoProgress)
            .await
            .unwrap();
        assert_eq!(
            std::fs::read(&opened).unwrap(),
            std::fs::read(&self.original).unwrap()
        );
    }

    async fn audit_passes(&self, when: &str) {
        let home = self.platform.dir.path().join("people/auditor");
        let report = audit::live::verify_live(&self.auditor, &home, &Options::default())
            .await
            .unwrap();
        assert!(report.passed(), "{when}: {}", report.to_text());
    }

    async fn share_rows_kept(&self) -> i64 {
        number(
            &self.platform,
            "SELECT COUNT(*) FROM shares WHERE document_id = $1 AND to_org = $2",
            &[&self.doc.to_string(), &self.orgs.bright.to_string()],
        )
        .await
    }

    /// What Brightwater sees once it owns the case: no share anywhere (the API listings and
    /// what `vaultctl` reads from them, its case page, "Shared with us" and its count), and the
    /// document opening through the case.
    async fn owner_sees_no_share(&self, bea: &mut Session) {
        let (case, doc, bright) = (self.case, self.doc, &self.orgs.bright_manager);
        assert_eq!(bea.listing("/v1/shared").await, json!([]));
        assert_eq!(
            bea.listing(&format!("/v1/documents/{doc}/shares")).await,
            json!([])
        );
        assert!(bright.shared_with_us().await.unwrap().is_empty());
        assert!(bright.shares_of(doc).await.unwrap().is_empty());

        let case_page = bea.page(&format!("/cases/{case}")).await;
        assert!(
            !case_page.body.contains("data-share-document="),
            "{}",
            case_page.body
        );
        assert!(case_page.shows(NO_CASE_SHARE), "{}", case_page.body);
        let shared = bea.page("/shared").await;
        assert_eq!(shared_rows(&shared), 0, "{}", shared.body);
        assert!(!shared.body.contains("<table"), "{}", shared.body);
        assert!(shared.shows(NOTHING_SHARED), "{}", shared.body);

        let access = bea.listing(&format!("/v1/documents/{doc}")).await;
        assert_eq!(access["path"]["via"], "case", "{access}");
    }

    /// Once Harbour owns the case, Brightwater's share is listed again on both sides, and
    /// Brightwater opens the document through it.
    async fn listed_again(&self, bea: &mut Session, hal: &mut Session, share: &Value) {
        let (case, doc, bright) = (self.case, self.doc, self.orgs.bright);
        let doc_shares = format!("/v1/documents/{doc}/shares");
        assert_eq!(hal.listing(&doc_shares).await, json!([share]));
        assert_eq!(hal.listing("/v1/shared").await, json!([]));
        let case_page = hal.page(&format!("/cases/{case}")).await;
        assert!(
            case_lists_share(&case_page, doc, bright),
            "{}",
            case_page.body
        );
        assert!(case_page.shows("Revoke the share with Brightwater Adoption Agency"));

        assert_eq!(bea.listing("/v1/shared").await, json!([share]));
        assert_eq!(bea.api(&doc_shares).await.status, 404);
        let page = bea.page("/shared").await;
        assert_eq!(shared_rows(&page), 1, "{}", page.body);
        assert!(page
            .body
            .contains(&format!(r#"data-document-id="{doc}" data-vault-shared>"#)));
        assert!(page.shows("Northshire Council"), "{}", page.body);
        assert_eq!(bea.browser.get(&format!("/cases/{case}")).await.status, 404);
        let access = bea.listing(&format!("/v1/documents/{doc}")).await;
        assert_eq!(access["path"]["via"], "share", "{access}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_share_to_the_organisation_that_takes_the_case_over_is_listed_only_while_it_counts() {
    let w = World::shared().await;
    let (case, doc) = (w.case, w.doc);
    let mut bea = Session::of(&w.platform, "bright-manager").await;
    let mut nia = Session::of(&w.platform, "north-practitioner").await;
    let shares = format!("/v1/documents/{doc}/shares");

    // Shared, not yet transferred: both sides list the share.
    let listed = bea.listing("/v1/shared").await;
    let share = listed[0].clone();
    assert_eq!(listed, json!([share]));
    assert_eq!(share["document_id"], doc.to_string());
    assert_eq!(share["from_org"], w.orgs.north.to_string());
    assert_eq!(share["to_org"], w.orgs.bright.to_string());
    assert_eq!(nia.listing(&shares).await, json!([share]));

    let offer = w
        .orgs
        .north_manager
        .transfer_case(case, w.orgs.bright)
        .await
        .unwrap();
    assert_eq!(
        w.orgs.bright_manager.accept_transfer(offer).await.unwrap(),
        case
    );
    w.owner_sees_no_share(&mut bea).await;
    assert_eq!(nia.api(&shares).await.status, 404);
    assert_eq!(w.share_rows_kept().await, 1);
    w.opens_for_brightwater("owner").await;
    w.audit_passes("after the transfer to the receiver").await;

    // Brightwater removes a member, which re-wraps every key its organisation key opens: the
    // hidden share too, wrapped by Northshire (regression: the rotation looked for its sharer
    // among the listed shares only, and refused it as wrapped by an organisation without
    // standing, so no member could be removed).
    let leaver = w
        .platform
        .member(
            "bright-leaver",
            w.orgs.bright,
            &w.orgs.bright_manager,
            Role::Practitioner,
        )
        .await;
    let bright = &w.orgs.bright_manager;
    bright
        .remove_member(leaver.keystore().user_id)
        .await
        .unwrap();
    w.opens_for_brightwater("after-removal").await;
    w.audit_passes("after a removal by the receiver").await;

    // Brightwater passes the case on: its share counts again, on both sides.
    let offer = w
        .orgs
        .bright_manager
        .transfer_case(case, w.harbour)
        .await
        .unwrap();
    assert_eq!(
        w.harbour_manager.accept_transfer(offer).await.unwrap(),
        case
    );
    let mut hal = Session::of(&w.platform, "harbour-manager").await;
    w.listed_again(&mut bea, &mut hal, &share).await;
    w.opens_for_brightwater("receiver-again").await;
    w.audit_passes("after the transfer onwards").await;
}
