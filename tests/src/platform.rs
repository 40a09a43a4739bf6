//! One platform per test: a server started in-process on 127.0.0.1:0 over a temporary data
//! directory, and people with their own keystores talking to it through the client library.
//!
//! The server's database is a `SQLite` file in that directory, or, with
//! `VAULT_TEST_BACKEND=postgres`, a fresh `PostgreSQL` database made through
//! `VAULT_TEST_DATABASE_URL`, so the same stories run on both backends. Its object store is
//! the directory `objects` there, or, with `VAULT_TEST_OBJECT_STORE=s3`, a fresh prefix in the
//! bucket of `VAULT_TEST_OBJECT_STORE_URL`. [`Platform::replica`] starts a second server on the
//! same database and object store, as a load balancer would see two replicas.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures::TryStreamExt as _;
use object_store::ObjectStore;

use secrecy::SecretString;
use tempfile::TempDir;
use vault_client::documents::NoProgress;
use vault_client::Client;
use vault_core::ids::{CaseId, DocumentId, OrgId};
use vault_core::statement::Role;

/// A running server and the directory everything lives in.
pub struct Platform {
    pub dir: TempDir,
    pub url: String,
    pub admin: Client,
    /// The server's database, so a test can play an operator who edits it.
    pub database_url: String,
    /// The settings the server was started with.
    pub settings: vault_server::Settings,
}

impl Platform {
    /// Starts a fresh server and logs its platform admin in.
    pub async fn start() -> Self {
        // Keystores in tests use the client's minimum scrypt work factor.
        std::env::set_var("VAULTCTL_SCRYPT_WORK_FACTOR", "15");
        let dir = tempfile::tempdir().unwrap();
        let mut settings = vault_server::Settings::for_data_dir(dir.path().join("server"));
        settings.database_url = test_database().await;
        if let Some((url, s3)) = vault_server::objects::scratch::test_object_store().unwrap() {
            settings.object_store_url = Some(url);
            settings.s3 = s3;
        }
        let database_url = settings
            .database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", settings.default_database_path().display()));
        let app = vault_server::App::new(settings.clone()).await.unwrap();
        app.bootstrap_admin("admin@example.org", "password of admin")
            .await
            .unwrap();
        let url = serve(app).await;
        let mut admin = person_at(dir.path(), &url, "admin");
        admin.login(&password("admin")).await.unwrap();
        Self {
            dir,
            url,
            admin,
            database_url,
            settings,
        }
    }

    /// Starts another server on the same database and object store, on its own port, and
    /// returns its URL.
    pub async fn replica(&self) -> String {
        let app = vault_server::App::new(self.settings.clone()).await.unwrap();
        serve(app).await
    }

    /// `name`'s keystore (made by [`Platform::person`]) opened against the server at `url`,
    /// with the session it last logged in with.
    pub fn person_at_server(&self, name: &str, url: &str) -> Client {
        let home = self.dir.path().join("people").join(name);
        Client::open(&home, url, passphrase(name)).unwrap()
    }

    /// The server's object store, opened as the server opens it.
    pub fn object_store(&self) -> Arc<dyn ObjectStore> {
        vault_server::objects::open(&self.settings).unwrap()
    }

    /// Keys of every object stored.
    pub async fn object_keys(&self) -> Vec<object_store::path::Path> {
        let listed: Vec<_> = self.object_store().list(None).try_collect().await.unwrap();
        listed.into_iter().map(|meta| meta.location).collect()
    }

    /// A directory holding everything the server stores that a file scan can read: the data
    /// directory itself, with, when the objects are in a bucket, a copy of each of them under
    /// `objects/` (where they would be on local disk).
    pub async fn stored_data_dir(&self) -> PathBuf {
        let dir = self.server_dir();
        let on_s3 = self
            .settings
            .object_store_url
            .as_deref()
            .is_some_and(|u| u.starts_with("s3://"));
        if on_s3 {
            let store = self.object_store();
            for key in self.object_keys().await {
                let bytes = store.get(&key).await.unwrap().bytes().await.unwrap();
                let file = dir.join("objects").join(key.as_ref());
                std::fs::create_dir_all(file.parent().unwrap()).unwrap();
                std::fs::write(file, bytes).unwrap();
            }
        }
        dir
    }

    /// The server's data directory (database and object store).
    pub fn server_dir(&self) -> PathBuf {
        self.dir.path().join("server")
    }

    /// A new person with a fresh keystore (not yet registered).
    pub fn person(&self, name: &str) -> Client {
        person_at(self.dir.path(), &self.url, name)
    }

    /// The platform admin creates an organisation and `manager` sets up its keys.
    pub async fn organisation(&self, name: &str, manager: &str) -> (OrgId, Client) {
        let created = self.admin.create_org(name).await.unwrap();
        let org = created.org.org_id;
        let mut client = self.person(manager);
        client
            .register(org, Some(&created.invite_code), &password(manager))
            .await
            .unwrap();
        client.login(&password(manager)).await.unwrap();
        (org, client)
    }

    /// Northshire (manager and practitioner) and Brightwater (manager), the two organisations
    /// of most stories.
    pub async fn north_and_bright(&self) -> TwoOrgs {
        let (north, north_manager) = self
            .organisation("Northshire Council", "north-manager")
            .await;
        let (bright, bright_manager) = self
            .organisation("Brightwater Adoption Agency", "bright-manager")
            .await;
        let north_practitioner = self
            .member(
                "north-practitioner",
                north,
                &north_manager,
                Role::Practitioner,
            )
            .await;
        TwoOrgs {
            north,
            north_manager,
            north_practitioner,
            bright,
            bright_manager,
        }
    }

    /// `name` registers with `org` and `manager` approves them after comparing fingerprints.
    pub async fn member(&self, name: &str, org: OrgId, manager: &Client, role: Role) -> Client {
        let mut client = self.waiting(name, org).await;
        let read_out = client.fingerprints().member;
        manager
            .approve(client.keystore().user_id, role, read_out)
            .await
            .unwrap();
        client.login(&password(name)).await.unwrap();
        client
    }

    /// The platform admin makes `name` an auditor, who logs in; their keystore (and so the
    /// checkpoint an audit saves) is in `people/NAME` of the platform's directory.
    pub async fn auditor(&self, name: &str) -> Client {
        let mut auditor = self.person(name);
        self.admin
            .add_auditor(
                auditor.keystore().user_id,
                &format!("{name}@example.org"),
                &password(name),
            )
            .await
            .unwrap();
        auditor.login(&password(name)).await.unwrap();
        auditor
    }

    /// `name` registers with `org` and is left waiting for a manager's approval.
    pub async fn waiting(&self, name: &str, org: OrgId) -> Client {
        let mut client = self.person(name);
        client.register(org, None, &password(name)).await.unwrap();
        client
    }

    /// A practitioner approved into Northshire, for stories in which they leave again.
    pub async fn north_leaver(&self, orgs: &TwoOrgs) -> Client {
        let manager = &orgs.north_manager;
        self.member("north-leaver", orgs.north, manager, Role::Practitioner)
            .await
    }

    /// A new directory `name` in the platform's directory for the plain files a test seals.
    pub fn plain_files(&self, name: &str) -> PathBuf {
        let dir = self.dir.path().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}

/// Writes `lines` lines naming `name` to the file `name` in `dir` and seals it into `case`.
pub async fn seal_text(
    client: &Client,
    case: CaseId,
    dir: &Path,
    name: &str,
    lines: usize,
) -> DocumentId {
    let path = dir.join(name);
    std::fs::write(&path, format!("contents of {name}\n").repeat(lines)).unwrap();
    let sealing = client.prepare_case(case).await.unwrap();
    client.seal_file(&sealing, &path, NoProgress).await.unwrap()
}

/// A fresh `PostgreSQL` database when `VAULT_TEST_BACKEND=postgres`; otherwise `None`, the
/// `SQLite` file in the data directory.
async fn test_database() -> Option<String> {
    if std::env::var("VAULT_TEST_BACKEND").as_deref() != Ok("postgres") {
        return None;
    }
    let admin = std::env::var("VAULT_TEST_DATABASE_URL")
        .expect("VAULT_TEST_BACKEND=postgres needs VAULT_TEST_DATABASE_URL");
    Some(
        vault_server::db::scratch::fresh_postgres_database(&admin)
            .await
            .unwrap(),
    )
}

/// Serves `app` on a fresh loopback port; returns its URL. The listener is bound before the
/// task starts, so requests queue until it serves.
async fn serve(app: vault_server::App) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(app.serve(listener));
    url
}

fn person_at(dir: &Path, url: &str, name: &str) -> Client {
    let home = dir.join("people").join(name);
    Client::init(&home, url, &format!("{name}@example.org"), passphrase(name)).unwrap()
}

/// Each person's account password.
#[must_use]
pub fn password(name: &str) -> SecretString {
    SecretString::from(format!("password of {name}"))
}

/// Each person's keystore passphrase.
#[must_use]
pub fn passphrase(name: &str) -> SecretString {
    SecretString::from(format!("passphrase of {name}, long enough"))
}

/// The two organisations of [`Platform::north_and_bright`] and their people.
pub struct TwoOrgs {
    /// Northshire Council, which owns the cases.
    pub north: OrgId,
    /// Its manager.
    pub north_manager: Client,
    /// Its practitioner.
    pub north_practitioner: Client,
    /// Brightwater Adoption Agency, which receives them.
    pub bright: OrgId,
    /// Its manager.
    pub bright_manager: Client,
}
