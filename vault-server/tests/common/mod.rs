//! Shared helpers for the server's integration tests: an in-process server on a random port in
//! a temporary directory, and people and organisations whose requests are signed for real with
//! vault-core, so every check the server makes is exercised.
//!
//! The database is the SQLite file in the temporary directory, or, with
//! `VAULT_TEST_BACKEND=postgres`, a fresh PostgreSQL database made through
//! `VAULT_TEST_DATABASE_URL` for each server, so the same tests cover both backends. The object
//! store is the directory `objects` there, or, with `VAULT_TEST_OBJECT_STORE=s3`, a fresh
//! prefix in the bucket of `VAULT_TEST_OBJECT_STORE_URL` reached with the `VAULT_S3_*`
//! variables; [`Server::stored_objects`] and [`Server::uploads_in_progress`] look at either.

#![allow(dead_code, unreachable_pub)]
// Product names such as SQLite and PostgreSQL are prose here, not code.
#![allow(clippy::doc_markdown)]

use std::path::{Path, PathBuf};

use futures::TryStreamExt as _;
use reqwest::{Client, Method, Response, StatusCode};
use serde::Serialize;
use serde_json::Value;
use vault_core::api::{
    ApproveRequest, CaseEnvelope, CreateCaseRequest, Envelope, FoundingRequest, LoginResponse,
    MemberEnvelope, OrgKeyRotation, RegisterRequest, UploadManifest,
};
use vault_core::ids::{CaseId, DocumentId, OrgId, UserId};
use vault_core::keys::{PublicKey, SecretKey, SigningKey};
use vault_core::seal::DocumentMetadata;
use vault_core::statement::{Claim, KeyScope, Role, SignedStatement, Statement};
use vault_server::{App, Settings};

/// Password used by every test account.
pub const PASSWORD: &str = "correct horse battery staple";

/// A server running in this process; stops when dropped.
pub struct Server {
    pub base: String,
    pub dir: tempfile::TempDir,
    /// The database the server uses, so tests can count rows behind its back.
    pub database_url: String,
    /// The settings it was started with, so tests can look at its object store.
    pub settings: Settings,
    pub client: Client,
    pub admin_token: String,
    task: tokio::task::JoinHandle<()>,
    /// Starts a graceful shutdown; see [`Server::shut_down`].
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts a server with default settings.
pub async fn start() -> Server {
    start_with(|_| {}).await
}

/// Starts a server after `tweak` adjusts its settings, bootstraps a platform admin and logs in.
pub async fn start_with(tweak: impl FnOnce(&mut Settings)) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::for_data_dir(dir.path());
    settings.database_url = test_database().await;
    if let Some((url, s3)) = vault_server::objects::scratch::test_object_store().unwrap() {
        settings.object_store_url = Some(url);
        settings.s3 = s3;
    }
    tweak(&mut settings);
    let database_url = settings
        .database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", settings.default_database_path().display()));
    let app = App::new(settings.clone()).await.unwrap();
    app.bootstrap_admin("admin@example.org", PASSWORD)
        .await
        .unwrap();
    // The listener is bound before the server task starts, so requests queue until it serves:
    // no waiting loop is needed.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let shutdown = async {
            let _ = stopped.await;
        };
        let _ = app.serve_with_shutdown(listener, shutdown).await;
    });
    let client = Client::new();
    let health = client.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let mut server = Server {
        base,
        dir,
        database_url,
        settings,
        client,
        admin_token: String::new(),
        task,
        stop: Some(stop),
    };
    server.admin_token = server.login("admin@example.org", PASSWORD).await.token;
    server
}

/// A fresh PostgreSQL database when `VAULT_TEST_BACKEND=postgres`; otherwise `None`, the
/// SQLite file in the data directory.
pub async fn test_database() -> Option<String> {
    if std::env::var("VAULT_TEST_BACKEND").as_deref() != Ok("postgres") {
        return None;
    }
    let admin = std::env::var("VAULT_TEST_DATABASE_URL")
        .expect("VAULT_TEST_BACKEND=postgres needs VAULT_TEST_DATABASE_URL");
    let url = vault_server::db::scratch::fresh_postgres_database(&admin)
        .await
        .unwrap();
    Some(url)
}

/// An organisation as its members' clients know it.
pub struct Org {
    pub id: OrgId,
    pub root: SigningKey,
    pub key: SecretKey,
    pub version: u32,
}

/// A person with their keys and, once logged in, a token.
pub struct Person {
    pub user_id: UserId,
    pub email: String,
    pub enc: SecretKey,
    pub sign: SigningKey,
    pub token: String,
}

/// A case as its owner's client knows it.
pub struct Case {
    pub id: CaseId,
    pub key: SecretKey,
}

/// A sealed document ready to upload.
pub struct Sealed {
    pub id: DocumentId,
    pub key: SecretKey,
    pub manifest: UploadManifest,
    pub body: Vec<u8>,
}

/// Wraps `key` to `recipient` with a signed `key-wrapped` statement.
pub fn envelope(
    signer: &SigningKey,
    org: OrgId,
    scope: KeyScope,
    key: &SecretKey,
    recipient: &PublicKey,
) -> Envelope {
    let wrapped = key.wrap_to(&[recipient]).unwrap();
    let statement = sign(
        signer,
        Claim::KeyWrapped {
            org,
            scope,
            key: key.fingerprint(),
            recipient: recipient.fingerprint(),
            envelope_sha256: vault_core::sha256(&wrapped),
        },
    );
    Envelope {
        key: key.fingerprint(),
        recipient: recipient.fingerprint(),
        wrapped,
        statement,
    }
}

/// Signs a claim now.
pub fn sign(signer: &SigningKey, claim: Claim) -> SignedStatement {
    Statement::now(claim).sign(signer)
}

/// A multipart body: `manifest` then `body`, built by hand so tests control every byte.
pub fn multipart(manifest: &[u8], body: &[u8]) -> (String, Vec<u8>) {
    multipart_of(&[("manifest", manifest), ("body", body)])
}

/// A multipart body of these named parts, in this order.
pub fn multipart_of(parts: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "vault-test-boundary-7f3a";
    let mut out = Vec::new();
    for (name, bytes) in parts {
        let kind = if *name == "manifest" {
            "application/json"
        } else {
            "application/octet-stream"
        };
        out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        let head = format!(
            "Content-Disposition: form-data; name=\"{name}\"\r\nContent-Type: {kind}\r\n\r\n"
        );
        out.extend_from_slice(head.as_bytes());
        out.extend_from_slice(bytes);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), out)
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Shuts the server down as SIGTERM would and waits until it has stopped; returns how long
    /// that took.
    pub async fn shut_down(&mut self) -> std::time::Duration {
        let started = std::time::Instant::now();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        (&mut self.task).await.unwrap();
        started.elapsed()
    }

    /// Sends a request with an optional token and JSON body.
    pub async fn call<T: Serialize>(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<&T>,
    ) -> Response {
        let mut req = self
            .client
            .request(method, self.url(path))
            .bearer_auth(token);
        if let Some(body) = body {
            req = req.json(body);
        }
        req.send().await.unwrap()
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.call::<()>(Method::GET, path, token, None).await
    }

    pub async fn post<T: Serialize>(&self, path: &str, token: &str, body: &T) -> Response {
        self.call(Method::POST, path, token, Some(body)).await
    }

    /// A document's stored ciphertext, fetched through the API (expecting 200).
    pub async fn document_body(&self, document: DocumentId, token: &str) -> Vec<u8> {
        let resp = self
            .get(&format!("/v1/documents/{document}/body"), token)
            .await;
        assert_eq!(resp.status(), StatusCode::OK);
        resp.bytes().await.unwrap().to_vec()
    }

    /// Logs in, expecting success.
    pub async fn login(&self, email: &str, password: &str) -> LoginResponse {
        let body = serde_json::json!({ "email": email, "password": password });
        let resp = self
            .client
            .post(self.url("/v1/auth/login"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "login of {email}");
        resp.json().await.unwrap()
    }

    /// Creates an organisation and founds it with a first manager.
    pub async fn found_org(&self, name: &str) -> (Org, Person) {
        let resp = self
            .post(
                "/v1/orgs",
                &self.admin_token,
                &serde_json::json!({ "name": name }),
            )
            .await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        let created: Value = resp.json().await.unwrap();
        let org_id: OrgId = serde_json::from_value(created["org"]["org_id"].clone()).unwrap();
        let invite = created["invite_code"].as_str().unwrap().to_owned();
        let org = Org {
            id: org_id,
            root: SigningKey::generate().unwrap(),
            key: SecretKey::generate(),
            version: 1,
        };
        let mut founder = new_person(&format!("manager@{org_id}.example"));
        let founding = FoundingRequest {
            invite_code: invite,
            root_signing_key: org.root.verifying_key(),
            org_key_statement: sign(
                &org.root,
                Claim::OrgKeyPublished {
                    org: org_id,
                    version: 1,
                    key: org.key.public_key(),
                },
            ),
            certificate: sign(&org.root, certificate(org_id, &founder, Role::Manager)),
            org_envelope: envelope(
                &founder.sign,
                org_id,
                KeyScope::Org(org_id),
                &org.key,
                &founder.enc.public_key(),
            ),
        };
        let resp = self
            .post(
                "/v1/register",
                "",
                &register_request(org_id, &founder, Some(founding)),
            )
            .await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        founder.token = self.login(&founder.email, PASSWORD).await.token;
        (org, founder)
    }

    /// Registers a pending member and has `manager` approve them with `role`.
    pub async fn add_member(&self, org: &Org, manager: &Person, role: Role) -> Person {
        let mut person = self
            .register_pending(org.id, &format!("{}@{}.example", UserId::new(), org.id))
            .await;
        let approve = approve_request(org, manager, &person, role);
        let path = format!("/v1/orgs/{}/members/{}/approve", org.id, person.user_id);
        let resp = self.post(&path, &manager.token, &approve).await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        person.token = self.login(&person.email, PASSWORD).await.token;
        person
    }

    /// Registers a pending member (not logged in).
    pub async fn register_pending(&self, org: OrgId, email: &str) -> Person {
        let person = new_person(email);
        let resp = self
            .post("/v1/register", "", &register_request(org, &person, None))
            .await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        person
    }

    /// Creates a case owned by `org`.
    pub async fn create_case(&self, org: &Org, member: &Person, reference: &str) -> Case {
        let case = Case {
            id: CaseId::new(),
            key: SecretKey::generate(),
        };
        let resp = self
            .post(
                "/v1/cases",
                &member.token,
                &case_request(org, member, &case, reference),
            )
            .await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        case
    }

    /// Uploads a sealed document.
    pub async fn upload(&self, token: &str, case: CaseId, sealed: &Sealed) -> Response {
        let manifest = serde_json::to_vec(&sealed.manifest).unwrap();
        self.upload_raw(token, case, &manifest, &sealed.body).await
    }

    /// Uploads any manifest bytes and body.
    pub async fn upload_raw(
        &self,
        token: &str,
        case: CaseId,
        manifest: &[u8],
        body: &[u8],
    ) -> Response {
        self.upload_parts(token, case, &[("manifest", manifest), ("body", body)])
            .await
    }

    /// Uploads these named parts in this order.
    pub async fn upload_parts(
        &self,
        token: &str,
        case: CaseId,
        parts: &[(&str, &[u8])],
    ) -> Response {
        let (content_type, bytes) = multipart_of(parts);
        self.client
            .post(self.url(&format!("/v1/cases/{case}/documents")))
            .bearer_auth(token)
            .header("content-type", content_type)
            .body(bytes)
            .send()
            .await
            .unwrap()
    }

    /// Keys of the complete objects in the server's store (on local disk, files without the
    /// `#` that marks an upload's staging file).
    pub async fn stored_objects(&self) -> Vec<String> {
        if self.on_s3() {
            let store = vault_server::objects::open(&self.settings).unwrap();
            let listed: Vec<_> = store.list(None).try_collect().await.unwrap();
            return listed.into_iter().map(|m| m.location.to_string()).collect();
        }
        self.local_files(false)
    }

    /// Object uploads begun and neither completed nor aborted: multipart uploads in progress
    /// on S3, staging files on local disk.
    pub async fn uploads_in_progress(&self) -> Vec<String> {
        if self.on_s3() {
            let url = self.settings.object_store_url.as_deref().unwrap();
            return vault_server::objects::scratch::uploads_in_progress(url, &self.settings.s3)
                .await
                .unwrap();
        }
        self.local_files(true)
    }

    /// Both of the above: everything the store holds or is holding for an upload.
    pub async fn everything_stored(&self) -> Vec<String> {
        let mut all = self.stored_objects().await;
        all.extend(self.uploads_in_progress().await);
        all
    }

    fn on_s3(&self) -> bool {
        self.settings
            .object_store_url
            .as_deref()
            .is_some_and(|url| url.starts_with("s3://"))
    }

    fn local_files(&self, staging: bool) -> Vec<String> {
        let mut out = Vec::new();
        walk(&self.dir.path().join("objects"), &mut out);
        out.into_iter()
            .map(|p| p.display().to_string())
            .filter(|p| p.contains('#') == staging)
            .collect()
    }

    /// Sends the head of a document upload and the first half of its multipart body over a
    /// connection of its own, so a test can hold the rest back; returns the connection and the
    /// bytes not yet sent.
    pub async fn send_half_upload(
        &self,
        token: &str,
        case: CaseId,
        content_type: &str,
        full: &[u8],
    ) -> (tokio::net::TcpStream, Vec<u8>) {
        self.send_upload_prefix(token, case, content_type, full, full.len() / 2)
            .await
    }

    /// [`Server::send_half_upload`], sending the first `sent` bytes of the body.
    pub async fn send_upload_prefix(
        &self,
        token: &str,
        case: CaseId,
        content_type: &str,
        full: &[u8],
        sent: usize,
    ) -> (tokio::net::TcpStream, Vec<u8>) {
        use tokio::io::AsyncWriteExt as _;
        let addr = self.base.trim_start_matches("http://");
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let head = format!(
            "POST /v1/cases/{case}/documents HTTP/1.1\r\nHost: {addr}\r\n\
             Authorization: Bearer {token}\r\nContent-Type: {content_type}\r\n\
             Content-Length: {}\r\n\r\n",
            full.len()
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        let (first, rest) = full.split_at(sent);
        stream.write_all(first).await.unwrap();
        stream.flush().await.unwrap();
        (stream, rest.to_vec())
    }

    /// Rows in a table, read straight from the database.
    pub async fn rows(&self, table: &str) -> i64 {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&self.database_url).await.unwrap();
        let (n,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&pool)
            .await
            .unwrap();
        pool.close().await;
        n
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// A person with fresh keys.
pub fn new_person(email: &str) -> Person {
    Person {
        user_id: UserId::new(),
        email: email.to_owned(),
        enc: SecretKey::generate(),
        sign: SigningKey::generate().unwrap(),
        token: String::new(),
    }
}

/// `member-certified` for `person`.
pub fn certificate(org: OrgId, person: &Person, role: Role) -> Claim {
    Claim::MemberCertified {
        org,
        user: person.user_id,
        role,
        encryption_key: person.enc.public_key(),
        signing_key: person.sign.verifying_key(),
    }
}

/// A registration for `person`.
pub fn register_request(
    org: OrgId,
    person: &Person,
    founding: Option<FoundingRequest>,
) -> RegisterRequest {
    RegisterRequest {
        user_id: person.user_id,
        org_id: org,
        email: person.email.clone(),
        password: PASSWORD.to_owned(),
        encryption_key: person.enc.public_key(),
        signing_key: person.sign.verifying_key(),
        founding,
        keystore: None,
        display_name: None,
    }
}

/// `manager`'s approval of `person` with `role`: a certificate and the organisation key.
pub fn approve_request(org: &Org, manager: &Person, person: &Person, role: Role) -> ApproveRequest {
    ApproveRequest {
        certificate: sign(&manager.sign, certificate(org.id, person, role)),
        org_envelope: envelope(
            &manager.sign,
            org.id,
            KeyScope::Org(org.id),
            &org.key,
            &person.enc.public_key(),
        ),
    }
}

/// A case creation wrapped to the org's current key.
pub fn case_request(org: &Org, member: &Person, case: &Case, reference: &str) -> CreateCaseRequest {
    CreateCaseRequest {
        case_id: case.id,
        reference: reference.to_owned(),
        case_key: case.key.public_key(),
        envelope: envelope(
            &member.sign,
            org.id,
            KeyScope::Case(case.id),
            &case.key,
            &org.key.public_key(),
        ),
    }
}

/// A rotation to a fresh key v2 for `org`, re-wrapping the given cases, to the given members.
pub fn rotation(
    org: &Org,
    mgr: &Person,
    members: &[&Person],
    cases: &[&Case],
) -> (SecretKey, OrgKeyRotation) {
    let new_key = SecretKey::generate();
    let rotation = OrgKeyRotation {
        org_key_statement: sign(
            &mgr.sign,
            Claim::OrgKeyPublished {
                org: org.id,
                version: org.version + 1,
                key: new_key.public_key(),
            },
        ),
        member_envelopes: members
            .iter()
            .map(|m| MemberEnvelope {
                user_id: m.user_id,
                envelope: envelope(
                    &mgr.sign,
                    org.id,
                    KeyScope::Org(org.id),
                    &new_key,
                    &m.enc.public_key(),
                ),
            })
            .collect(),
        case_envelopes: cases
            .iter()
            .map(|c| CaseEnvelope {
                case_id: c.id,
                envelope: envelope(
                    &mgr.sign,
                    org.id,
                    KeyScope::Case(c.id),
                    &c.key,
                    &new_key.public_key(),
                ),
            })
            .collect(),
        share_envelopes: Vec::new(),
    };
    (new_key, rotation)
}

/// Seals `plaintext` into `case` as `member` would.
pub fn seal(org: &Org, member: &Person, case: &Case, plaintext: &[u8]) -> Sealed {
    let key = SecretKey::generate();
    let mut body = Vec::new();
    vault_core::seal::seal(plaintext, &key.public_key(), &mut body, |_| {}).unwrap();
    sealed_from_body(org, member, case, key, body)
}

/// Builds the manifest for an already-encrypted body (which may be any bytes).
pub fn sealed_from_body(
    org: &Org,
    member: &Person,
    case: &Case,
    key: SecretKey,
    body: Vec<u8>,
) -> Sealed {
    let id = DocumentId::new();
    let meta = DocumentMetadata {
        file_name: "report.pdf".into(),
        media_type: "application/pdf".into(),
        size: 0,
        sha256: [0; 32],
    };
    let sealed_metadata = meta.seal(&key.public_key()).unwrap();
    let statement = sign(
        &member.sign,
        Claim::DocumentSealed {
            org: org.id,
            case: case.id,
            document: id,
            ciphertext_sha256: vault_core::sha256(&body),
            ciphertext_size: body.len() as u64,
            metadata_sha256: vault_core::sha256(&sealed_metadata),
            document_key: key.fingerprint(),
        },
    );
    let manifest = UploadManifest {
        document_id: id,
        document_key: key.public_key(),
        sealed_metadata,
        envelope: envelope(
            &member.sign,
            org.id,
            KeyScope::Document(id),
            &key,
            &case.key.public_key(),
        ),
        statement,
    };
    Sealed {
        id,
        key,
        manifest,
        body,
    }
}

/// An age file to `key` of exactly `size` bytes. age adds a random "grease" stanza, so the
/// header length varies: seal, adjust the plaintext length by the difference, and try again.
pub fn age_file_of_size(key: &SecretKey, size: usize) -> Vec<u8> {
    let mut plain = size.saturating_sub(300);
    for _ in 0..5000 {
        let mut out = Vec::new();
        vault_core::seal::seal(&vec![7u8; plain][..], &key.public_key(), &mut out, |_| {}).unwrap();
        if out.len() == size {
            return out;
        }
        plain = (plain + size).saturating_sub(out.len());
    }
    panic!("no age file of {size} bytes");
}

/// Polls `check` every 10 ms until it holds, failing after a generous deadline.
pub async fn eventually<F: std::future::Future<Output = bool>>(
    what: &str,
    mut check: impl FnMut() -> F,
) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !check().await {
        assert!(std::time::Instant::now() < deadline, "timed out: {what}");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

/// The error code of an API error answer.
pub async fn error_code(resp: Response) -> String {
    let body: Value = resp.json().await.unwrap();
    body["error"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// The sentence of an API error answer.
pub async fn error_message(resp: Response) -> String {
    let body: Value = resp.json().await.unwrap();
    body["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// A second handle on the same key (secret keys are deliberately not `Clone`).
pub fn copy_key(key: &SecretKey) -> SecretKey {
    use secrecy::ExposeSecret as _;
    SecretKey::from_secret_str(key.expose_secret_string().expose_secret()).unwrap()
}
