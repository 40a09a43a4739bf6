//! The platform's people and organisations for the generated export, and how an event
//! becomes leaves: one leaf for the action, with the statement its client signed or the keys it
//! published, then one `key.wrapped` leaf per envelope stored, as the server appends them.

use vault_core::api::{
    DocumentAccessToday, Envelope, InventoryEntry, MemberEntry, MemberStatus, OrgDirectory,
    OrgSummary, StoredEnvelope,
};
use vault_core::ids::{CaseId, OrgId, UserId};
use vault_core::keys::{PublicKey, SecretKey, SigningKey};
use vault_core::leaf::{LogLeaf, PublishedKeys};
use vault_core::statement::{Claim, KeyScope, Role, SignedStatement, Statement};

use crate::PRACTITIONERS;

pub(crate) struct Person {
    pub(crate) user: UserId,
    pub(crate) enc: SecretKey,
    pub(crate) sign: SigningKey,
    pub(crate) entry: MemberEntry,
}

pub(crate) struct Org {
    pub(crate) id: OrgId,
    pub(crate) key: SecretKey,
    pub(crate) manager: Person,
    pub(crate) practitioners: Vec<Person>,
    pub(crate) directory: OrgDirectory,
}

/// What one part of the generation produced, in log order.
#[derive(Default)]
pub(crate) struct Part {
    pub(crate) leaves: Vec<Vec<u8>>,
    pub(crate) envelopes: Vec<StoredEnvelope>,
    pub(crate) inventory: Vec<InventoryEntry>,
    pub(crate) access: Vec<DocumentAccessToday>,
}

impl Part {
    /// Appends an event's leaf and one `key.wrapped` leaf per envelope, as the server does.
    pub(crate) fn event(
        &mut self,
        head: Head<'_>,
        statement: Option<SignedStatement>,
        envelopes: &[&Envelope],
    ) {
        self.event_with_keys(head, statement, None, envelopes);
    }

    pub(crate) fn event_with_keys(
        &mut self,
        head: Head<'_>,
        statement: Option<SignedStatement>,
        keys: Option<PublishedKeys>,
        envelopes: &[&Envelope],
    ) {
        let time = 1_780_000_000 + i64::try_from(self.leaves.len()).unwrap_or(0);
        let leaf = |action: &str, kind: &str, id: String| LogLeaf {
            v: 1,
            time,
            action: action.to_owned(),
            actor: head.actor,
            org_id: Some(head.org),
            object_kind: kind.to_owned(),
            object_id: id,
            case_id: head.case,
            statement: None,
            keys: None,
        };
        let main = LogLeaf {
            statement,
            keys,
            ..leaf(head.action, head.kind, head.id)
        };
        self.leaves.push(main.encode());
        for e in envelopes {
            let id = hex::encode(vault_core::sha256(&e.wrapped));
            let wrapped = LogLeaf {
                statement: Some(e.statement.clone()),
                ..leaf("key.wrapped", "envelope", id)
            };
            self.leaves.push(wrapped.encode());
        }
    }

    pub(crate) fn keep(&mut self, place: &str, owner: String, envelope: Envelope) {
        self.envelopes.push(StoredEnvelope {
            place: place.to_owned(),
            owner,
            envelope: Some(envelope),
        });
    }

    pub(crate) fn extend(&mut self, other: Part) {
        self.leaves.extend(other.leaves);
        self.envelopes.extend(other.envelopes);
        self.inventory.extend(other.inventory);
        self.access.extend(other.access);
    }
}

/// The non-statement fields of an event's leaf.
pub(crate) struct Head<'a> {
    pub(crate) action: &'a str,
    pub(crate) kind: &'a str,
    pub(crate) id: String,
    pub(crate) actor: Option<UserId>,
    pub(crate) org: OrgId,
    pub(crate) case: Option<CaseId>,
}

pub(crate) fn head<'a>(
    action: &'a str,
    kind: &'a str,
    id: String,
    actor: UserId,
    org: OrgId,
) -> Head<'a> {
    Head {
        action,
        kind,
        id,
        actor: Some(actor),
        org,
        case: None,
    }
}

/// `key` wrapped to `to`, with the `key-wrapped` statement `signer` makes for it.
pub(crate) fn envelope(
    signer: &SigningKey,
    org: OrgId,
    scope: KeyScope,
    key: &SecretKey,
    to: &PublicKey,
) -> Envelope {
    let wrapped = key.wrap_to(&[to]).unwrap();
    let statement = Statement::now(Claim::KeyWrapped {
        org,
        scope,
        key: key.fingerprint(),
        recipient: to.fingerprint(),
        envelope_sha256: vault_core::sha256(&wrapped),
    })
    .sign(signer);
    Envelope {
        key: key.fingerprint(),
        recipient: to.fingerprint(),
        wrapped,
        statement,
    }
}

pub(crate) fn person(org: OrgId, role: Role, certifier: &SigningKey) -> Person {
    let (user, enc, sign) = (
        UserId::new(),
        SecretKey::generate(),
        SigningKey::generate().unwrap(),
    );
    let cert = Statement::now(Claim::MemberCertified {
        org,
        user,
        role,
        encryption_key: enc.public_key(),
        signing_key: sign.verifying_key(),
    })
    .sign(certifier);
    let entry = MemberEntry {
        user_id: user,
        email: String::new(),
        role: Some(role),
        status: MemberStatus::Active,
        encryption_key: enc.public_key(),
        signing_key: sign.verifying_key(),
        certificate: Some(cert),
    };
    Person {
        user,
        enc,
        sign,
        entry,
    }
}

pub(crate) fn member_keys(p: &Person) -> PublishedKeys {
    PublishedKeys {
        encryption_key: Some(p.enc.public_key()),
        signing_key: Some(p.sign.verifying_key()),
        ..PublishedKeys::default()
    }
}

/// An organisation founded by its manager, with its practitioners approved.
pub(crate) fn found(n: usize, out: &mut Part) -> Org {
    let id = OrgId::new();
    let root = SigningKey::generate().unwrap();
    let key = SecretKey::generate();
    let published = Statement::now(Claim::OrgKeyPublished {
        org: id,
        version: 1,
        key: key.public_key(),
    })
    .sign(&root);
    let manager = person(id, Role::Manager, &root);
    let founded = PublishedKeys {
        root_signing_key: Some(root.verifying_key()),
        ..PublishedKeys::default()
    };
    let h = head("org.founded", "org", id.to_string(), manager.user, id);
    out.event_with_keys(h, Some(published.clone()), Some(founded), &[]);
    let own = envelope(
        &manager.sign,
        id,
        KeyScope::Org(id),
        &key,
        &manager.enc.public_key(),
    );
    let h = head(
        "user.registered",
        "user",
        manager.user.to_string(),
        manager.user,
        id,
    );
    out.event_with_keys(
        h,
        manager.entry.certificate.clone(),
        Some(member_keys(&manager)),
        &[&own],
    );
    out.keep("member", manager.user.to_string(), own);
    let mut practitioners = Vec::new();
    for _ in 0..PRACTITIONERS {
        let p = person(id, Role::Practitioner, &manager.sign);
        let h = head("user.registered", "user", p.user.to_string(), p.user, id);
        out.event_with_keys(h, None, Some(member_keys(&p)), &[]);
        let wrapped = envelope(
            &manager.sign,
            id,
            KeyScope::Org(id),
            &key,
            &p.enc.public_key(),
        );
        let h = head(
            "member.approved",
            "user",
            p.user.to_string(),
            manager.user,
            id,
        );
        out.event(h, p.entry.certificate.clone(), &[&wrapped]);
        out.keep("member", p.user.to_string(), wrapped);
        practitioners.push(p);
    }
    let mut members = vec![manager.entry.clone()];
    members.extend(practitioners.iter().map(|p| p.entry.clone()));
    let directory = OrgDirectory {
        org: OrgSummary {
            org_id: id,
            name: format!("Organisation {n}"),
            root_signing_key: Some(root.verifying_key()),
            org_key: Some(key.public_key()),
            org_key_version: Some(1),
        },
        org_key_statements: vec![published],
        members,
    };
    Org {
        id,
        key,
        manager,
        practitioners,
        directory,
    }
}
