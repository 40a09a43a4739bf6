//! The lies a server could tell a page, made on recorded answers for
//! `web_verify_vectors.rs`: each function returns a copy of the answers with one thing
//! changed as a dishonest server or its operator would change it, signed with real keys
//! where a lie needs a signature to get past the first check.

use serde_json::{json, Value};
use vault_core::api::OrgDirectory;
use vault_core::checkpoint::{
    add_signature_lines, Cosignature, NoteKey, SignedCheckpoint, WitnessKey,
};
use vault_core::ids::{OrgId, UserId};
use vault_core::keys::{SecretKey, SigningKey};
use vault_core::statement::{Claim, Role, Statement};

use super::Answers;

pub(crate) fn directory_path(org: OrgId) -> String {
    format!("/v1/orgs/{org}/directory")
}

fn directory(answers: &Answers, org: OrgId) -> OrgDirectory {
    serde_json::from_value(answers[&directory_path(org)].clone()).unwrap()
}

/// `answers` with `org`'s directory replaced by what `change` makes of it.
fn with_directory(
    answers: &Answers,
    org: OrgId,
    change: impl FnOnce(&mut OrgDirectory),
) -> Answers {
    let mut dir = directory(answers, org);
    change(&mut dir);
    let mut lied = answers.clone();
    lied.insert(directory_path(org), serde_json::to_value(dir).unwrap());
    lied
}

fn new_public_key() -> vault_core::keys::PublicKey {
    SecretKey::generate().public_key()
}

/// Replaces the directory's key chain with one fresh key, version 1, signed by `by`.
fn publish_new_key(dir: &mut OrgDirectory, org: OrgId, by: &SigningKey) {
    let key = new_public_key();
    let claim = Claim::OrgKeyPublished {
        org,
        version: 1,
        key: key.clone(),
    };
    dir.org_key_statements = vec![Statement::now(claim).sign(by)];
    dir.org.org_key = Some(key);
    dir.org.org_key_version = Some(1);
}

/// The organisation's key replaced by one nobody in it published.
pub(crate) fn org_key_swapped(answers: &Answers, org: OrgId) -> Answers {
    with_directory(answers, org, |dir| {
        publish_new_key(dir, org, &SigningKey::generate().unwrap());
    })
}

/// A whole new root, key chain and manager certificate: valid in itself, but not the root seen
/// before.
pub(crate) fn re_rooted(answers: &Answers, org: OrgId) -> Answers {
    with_directory(answers, org, |dir| {
        let root = SigningKey::generate().unwrap();
        publish_new_key(dir, org, &root);
        dir.org.root_signing_key = Some(root.verifying_key());
        for member in &mut dir.members {
            member.certificate = (member.role == Some(Role::Manager)).then(|| {
                let claim = Claim::MemberCertified {
                    org,
                    user: member.user_id,
                    role: Role::Manager,
                    encryption_key: member.encryption_key.clone(),
                    signing_key: member.signing_key,
                };
                Statement::now(claim).sign(&root)
            });
        }
    })
}

/// A member's encryption key replaced; with `certifier`, re-certified by that manager.
pub(crate) fn member_substituted(
    answers: &Answers,
    org: OrgId,
    user: UserId,
    certifier: Option<&SigningKey>,
) -> Answers {
    with_directory(answers, org, |dir| {
        let member = dir.members.iter_mut().find(|m| m.user_id == user).unwrap();
        member.encryption_key = new_public_key();
        if let Some(manager) = certifier {
            let claim = Claim::MemberCertified {
                org,
                user,
                role: Role::Practitioner,
                encryption_key: member.encryption_key.clone(),
                signing_key: member.signing_key,
            };
            member.certificate = Some(Statement::now(claim).sign(manager));
        }
    })
}

/// The inclusion proof of `org`'s first key statement with one byte flipped.
pub(crate) fn proof_flipped(answers: &Answers, org: OrgId, size: u64) -> Answers {
    let first = &directory(answers, org).org_key_statements[0];
    let entry = &answers[&format!("/v1/log/by-statement/{}", hex::encode(first.digest()))];
    let index = entry["index"].as_u64().unwrap();
    let path = format!("/v1/log/proof/inclusion?index={index}&size={size}");
    let mut lied = answers.clone();
    let hash = lied.get_mut(&path).unwrap()["proof"][0].take();
    let mut bytes = hex::decode(hash.as_str().unwrap()).unwrap();
    bytes[0] ^= 0x01;
    lied.get_mut(&path).unwrap()["proof"][0] = Value::String(hex::encode(bytes));
    lied
}

/// The same checkpoint, signed under the log's name by a key that is not the log's.
pub(crate) fn checkpoint_by_another_key(answers: &Answers, key: &NoteKey) -> Answers {
    let note = answers["/v1/log/checkpoint"]["note"].as_str().unwrap();
    let checkpoint = SignedCheckpoint::open(note, key).unwrap().checkpoint;
    let mut lied = answers.clone();
    let forged = checkpoint.sign(&SigningKey::generate().unwrap());
    lied.insert("/v1/log/checkpoint".into(), json!({ "note": forged }));
    lied
}

/// A witness an auditor would run, and how old a cosignature its clients accept.
pub(crate) struct Witness {
    pub(crate) key: WitnessKey,
    pub(crate) signer: SigningKey,
}

pub(crate) const WITNESS_MAX_AGE: u64 = 3600;

impl Witness {
    pub(crate) fn new() -> Self {
        let signer = SigningKey::generate().unwrap();
        let key = WitnessKey {
            name: "auditor.example/witness".into(),
            key: signer.verifying_key(),
        };
        Self { key, signer }
    }

    /// The answers with the latest checkpoint cosigned `age` seconds ago by `by`.
    pub(crate) fn cosigned(
        &self,
        answers: &Answers,
        log: &NoteKey,
        by: &SigningKey,
        age: u64,
    ) -> Answers {
        let note = answers["/v1/log/checkpoint"]["note"].as_str().unwrap();
        let checkpoint = SignedCheckpoint::open(note, log).unwrap().checkpoint;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let line = Cosignature::sign(&checkpoint, &self.key, by, now - age).to_line();
        let mut out = answers.clone();
        let path = "/v1/log/checkpoint?witness=auditor.example%2Fwitness";
        let cosigned = add_signature_lines(note, &[line]);
        out.insert(path.into(), json!({ "note": cosigned }));
        out
    }
}

/// The case's first document with its stored ciphertext digest changed.
pub(crate) fn document_changed(answers: &Answers, case_path: &str) -> Answers {
    let mut lied = answers.clone();
    lied.get_mut(case_path).unwrap()["documents"][0]["ciphertext_sha256"] =
        Value::String(hex::encode([0x5a; 32]));
    lied
}

/// The latest checkpoint replaced by the one accepted before.
pub(crate) fn rolled_back(answers: &Answers, saved: &str) -> Answers {
    let mut lied = answers.clone();
    lied.insert("/v1/log/checkpoint".into(), json!({ "note": saved }));
    lied
}

/// The consistency proof from the saved checkpoint with one byte flipped.
pub(crate) fn consistency_flipped(answers: &Answers) -> Answers {
    let mut lied = answers.clone();
    let (_, proof) = lied
        .iter_mut()
        .find(|(path, _)| path.starts_with("/v1/log/proof/consistency"))
        .unwrap();
    let mut bytes = hex::decode(proof["proof"][0].as_str().unwrap()).unwrap();
    bytes[31] ^= 0x80;
    proof["proof"][0] = Value::String(hex::encode(bytes));
    lied
}
