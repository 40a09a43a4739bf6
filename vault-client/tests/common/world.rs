//! A platform for the tests that need a server: an in-process `vault_server::App` on a
//! loopback port, people with keystores of their own, organisations with a founding manager,
//! and `vaultctl` run as one of those people.

use std::path::PathBuf;

use secrecy::SecretString;
use vault_client::documents::NoProgress;
use vault_client::Client;
use vault_core::ids::{CaseId, DocumentId, OrgId};
use vault_core::statement::Role;

pub struct World {
    pub server: String,
    pub root: tempfile::TempDir,
    _task: tokio::task::JoinHandle<std::io::Result<()>>,
}

pub fn secret(text: &str) -> SecretString {
    SecretString::from(text.to_owned())
}

impl World {
    pub async fn start() -> Self {
        std::env::set_var(vault_client::keystore::WORK_FACTOR_ENV, "15");
        let root = tempfile::tempdir().unwrap();
        let settings = vault_server::Settings::for_data_dir(root.path().join("server"));
        let app = vault_server::App::new(settings).await.unwrap();
        app.bootstrap_admin("admin@platform.example", "password of admin")
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let server = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(app.serve(listener));
        Self {
            server,
            root,
            _task: task,
        }
    }

    pub fn home(&self, who: &str) -> PathBuf {
        self.root.path().join("people").join(who)
    }

    pub fn person(&self, who: &str, email: &str) -> Client {
        Client::init(
            &self.home(who),
            &self.server,
            email,
            secret("a long passphrase"),
        )
        .unwrap()
    }

    /// The platform admin, logged in.
    pub async fn admin(&self) -> Client {
        let mut admin = self.person("admin", "admin@platform.example");
        admin.login(&secret("password of admin")).await.unwrap();
        admin
    }

    /// The admin creates an organisation and its founding manager sets it up and logs in.
    pub async fn org(&self, admin: &Client, name: &str, who: &str) -> (OrgId, Client) {
        let created = admin.create_org(name).await.unwrap();
        let mut manager = self.person(who, &format!("{who}@example.org"));
        let password = secret(&format!("password of {who}"));
        let org = created.org.org_id;
        manager
            .register(org, Some(&created.invite_code), &password)
            .await
            .unwrap();
        manager.login(&password).await.unwrap();
        (org, manager)
    }

    /// A new case of `manager`'s organisation holding one sealed note.
    pub async fn case_with_note(&self, manager: &Client, reference: &str) -> (CaseId, DocumentId) {
        self.case_with_file(manager, reference, &format!("{reference}.txt"))
            .await
    }

    /// A new case of `manager`'s organisation holding one note sealed under `file_name`.
    pub async fn case_with_file(
        &self,
        manager: &Client,
        reference: &str,
        file_name: &str,
    ) -> (CaseId, DocumentId) {
        let case = manager.create_case(reference).await.unwrap();
        let prepared = manager.prepare_case(case).await.unwrap();
        let dir = self.root.path().join("sealed").join(reference);
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join(file_name);
        std::fs::write(&file, b"contact note").unwrap();
        let doc = manager
            .seal_file(&prepared, &file, NoProgress)
            .await
            .unwrap();
        (case, doc)
    }

    /// Someone registers, their manager approves after the fingerprint check, they log in.
    pub async fn join(&self, manager: &Client, org: OrgId, who: &str) -> Client {
        let mut person = self.person(who, &format!("{who}@example.org"));
        let password = secret(&format!("password of {who}"));
        person.register(org, None, &password).await.unwrap();
        let user = person.keystore().user_id;
        let right = person.fingerprints().member;
        let listed = |members: Vec<vault_client::org::MemberView>| {
            let m = members.into_iter().find(|m| m.user_id == user).unwrap();
            m.fingerprints.map(|f| f.member)
        };
        // Regression: a pending member's fingerprint was listed, ready to be copied.
        assert_eq!(listed(manager.members().await.unwrap()), None);
        let wrong = manager.fingerprints().member;
        let err = manager
            .approve(user, Role::Practitioner, wrong)
            .await
            .unwrap_err();
        // Regression: the mismatch named the published fingerprint, ready to be copied.
        assert_eq!(
            err.to_string(),
            "the fingerprint you gave does not match the keys the server published for this \
             member; do not approve: ask the member to read theirs again from \
             `vaultctl keys fingerprint`"
        );
        manager
            .approve(user, Role::Practitioner, right)
            .await
            .unwrap();
        assert_eq!(listed(manager.members().await.unwrap()), Some(right));
        person.login(&password).await.unwrap();
        person
    }
}

/// Runs `vaultctl` as `who` against the world's server; answers exit success, stdout, stderr.
pub async fn vaultctl(world: &World, who: &str, args: &[&str]) -> (bool, String, String) {
    vaultctl_with(world, who, "a long passphrase", args).await
}

/// [`vaultctl`] with the keystore passphrase `passphrase`.
pub async fn vaultctl_with(
    world: &World,
    who: &str,
    passphrase: &str,
    args: &[&str],
) -> (bool, String, String) {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_vaultctl"));
    command
        .arg("--home")
        .arg(world.home(who))
        .args(["--server", &world.server])
        .args(args)
        .env("VAULTCTL_PASSPHRASE", passphrase)
        .stdin(std::process::Stdio::null());
    let out = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
    (out.status.success(), text(out.stdout), text(out.stderr))
}
