//! Writes a realistic audit export of about `--leaves N` log leaves straight into a directory,
//! in the layout `vault-server export-audit` writes, without a server: for `bench/audit.sh`,
//! which times `vaultctl audit verify --offline` over it.
//!
//! Everything is real: organisations with a root key, an organisation key and certified
//! members; cases of eight documents sealed as age files by a practitioner, each statement
//! signed with Ed25519 and each key wrapped with age; a quarter of the documents shared with
//! another organisation; one case in ten transferred and accepted. The leaves carry the same
//! statements and envelopes, in the same order and shapes, as the server appends them.
//! Cases are made on every core; the log is written in case order.
//!
//! `cargo run --release -p vault-tests --example audit_export -- --out DIR --leaves 1000000`

use std::io::Write as _;
use std::path::{Path, PathBuf};

use vault_core::api::{
    DocumentAccessToday, Envelope, ExportConfig, ExportCounts, ExportManifest, InventoryEntry,
    LogCheckpoint, MemberEntry, MemberStatus, OrgDirectory, OrgSummary, StoredEnvelope,
};
use vault_core::checkpoint::{Checkpoint, NoteKey};
use vault_core::ids::{CaseId, DocumentId, OrgId, TransferId, UserId};
use vault_core::keys::{PublicKey, SecretKey, SigningKey};
use vault_core::leaf::{LogLeaf, PublishedKeys};
use vault_core::merkle::{leaf_hash, MemoryTree};
use vault_core::statement::{Claim, KeyScope, Role, SignedStatement, Statement};

const ORIGIN: &str = "case-vault.localhost/log";
const ORGS: usize = 20;
const PRACTITIONERS: usize = 9;
const DOCS_PER_CASE: usize = 8;
/// Leaves a case makes on average: creation (2), eight documents (16), two shares (4), and a
/// tenth of a transfer of eight documents (1.2).
const TENTHS_OF_LEAVES_PER_CASE: usize = 232;

struct Person {
    user: UserId,
    enc: SecretKey,
    sign: SigningKey,
    entry: MemberEntry,
}

struct Org {
    id: OrgId,
    key: SecretKey,
    manager: Person,
    practitioners: Vec<Person>,
    directory: OrgDirectory,
}

/// What one part of the generation produced, in log order.
#[derive(Default)]
struct Part {
    leaves: Vec<Vec<u8>>,
    envelopes: Vec<StoredEnvelope>,
    inventory: Vec<InventoryEntry>,
    access: Vec<DocumentAccessToday>,
}

impl Part {
    /// Appends an event's leaf and one `key.wrapped` leaf per envelope, as the server does.
    fn event(
        &mut self,
        head: Head<'_>,
        statement: Option<SignedStatement>,
        envelopes: &[&Envelope],
    ) {
        self.event_with_keys(head, statement, None, envelopes);
    }

    fn event_with_keys(
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

    fn keep(&mut self, place: &str, owner: String, envelope: Envelope) {
        self.envelopes.push(StoredEnvelope {
            place: place.to_owned(),
            owner,
            envelope,
        });
    }

    fn extend(&mut self, other: Part) {
        self.leaves.extend(other.leaves);
        self.envelopes.extend(other.envelopes);
        self.inventory.extend(other.inventory);
        self.access.extend(other.access);
    }
}

/// The non-statement fields of an event's leaf.
struct Head<'a> {
    action: &'a str,
    kind: &'a str,
    id: String,
    actor: Option<UserId>,
    org: OrgId,
    case: Option<CaseId>,
}

fn head<'a>(action: &'a str, kind: &'a str, id: String, actor: UserId, org: OrgId) -> Head<'a> {
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
fn envelope(
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

fn person(org: OrgId, role: Role, certifier: &SigningKey) -> Person {
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

fn member_keys(p: &Person) -> PublishedKeys {
    PublishedKeys {
        encryption_key: Some(p.enc.public_key()),
        signing_key: Some(p.sign.verifying_key()),
        ..PublishedKeys::default()
    }
}

/// An organisation founded by its manager, with its practitioners approved.
fn found(n: usize, out: &mut Part) -> Org {
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

/// One sealed document: its object written, its leaves, envelope and inventory row.
struct Doc {
    id: DocumentId,
    key: SecretKey,
    /// The document key wrapped to the case key (kept on the document row).
    envelope: Envelope,
    shared_with: Option<OrgId>,
}

fn seal_document(
    objects: &Path,
    (org, case, case_key): (&Org, CaseId, &PublicKey),
    p: &Person,
    n: usize,
    out: &mut Part,
) -> Doc {
    let (id, key) = (DocumentId::new(), SecretKey::generate());
    let body = format!("case note {n}: placement review, contact arrangements, health summary\n")
        .repeat(12);
    let mut sealed = Vec::new();
    let s =
        vault_core::seal::seal(body.as_bytes(), &key.public_key(), &mut sealed, |_| {}).unwrap();
    std::fs::write(objects.join(id.to_string()), &sealed).unwrap();
    let statement = Statement::now(Claim::DocumentSealed {
        org: org.id,
        case,
        document: id,
        ciphertext_sha256: s.ciphertext_sha256,
        ciphertext_size: s.ciphertext_size,
        metadata_sha256: vault_core::sha256(id.as_bytes()),
        document_key: key.fingerprint(),
    })
    .sign(&p.sign);
    let wrapped = envelope(&p.sign, org.id, KeyScope::Document(id), &key, case_key);
    let h = Head {
        case: Some(case),
        ..head(
            "document.sealed",
            "document",
            id.to_string(),
            p.user,
            org.id,
        )
    };
    out.event(h, Some(statement.clone()), &[&wrapped]);
    out.inventory.push(InventoryEntry {
        document_id: id,
        org_id: org.id,
        object_key: id.to_string(),
        ciphertext_size: s.ciphertext_size,
        ciphertext_sha256: s.ciphertext_sha256,
        case_id: case,
        statement,
    });
    Doc {
        id,
        key,
        envelope: wrapped,
        shared_with: None,
    }
}

/// One case: made, filled, some documents shared, every tenth one transferred and accepted.
fn case(objects: &Path, orgs: &[Org], n: usize, out: &mut Part) {
    let (owner, p) = (&orgs[n % orgs.len()], n / orgs.len() % PRACTITIONERS);
    let p = &owner.practitioners[p];
    let (case, case_key) = (CaseId::new(), SecretKey::generate());
    let wrapped = envelope(
        &p.sign,
        owner.id,
        KeyScope::Case(case),
        &case_key,
        &owner.key.public_key(),
    );
    let h = Head {
        case: Some(case),
        ..head("case.created", "case", case.to_string(), p.user, owner.id)
    };
    out.event(h, None, &[&wrapped]);
    let mut case_envelope = wrapped;
    let mut docs = Vec::new();
    for d in 0..DOCS_PER_CASE {
        let mut doc = seal_document(
            objects,
            (owner, case, &case_key.public_key()),
            p,
            n * 8 + d,
            out,
        );
        if d % 4 == 0 {
            let to = &orgs[(n + 1) % orgs.len()];
            share(owner, p, to, case, &mut doc, out);
        }
        docs.push(doc);
    }
    let mut holder = owner.id;
    if n.is_multiple_of(10) {
        let to = &orgs[(n + 2) % orgs.len()];
        case_envelope = transfer(owner, to, case, &mut docs, out);
        holder = to.id;
    }
    out.keep("case", case.to_string(), case_envelope);
    for doc in docs {
        out.keep("document", doc.id.to_string(), doc.envelope);
        let mut orgs: Vec<OrgId> = std::iter::once(holder).chain(doc.shared_with).collect();
        orgs.sort_by_key(ToString::to_string);
        orgs.dedup();
        out.access.push(DocumentAccessToday {
            document_id: doc.id,
            orgs,
        });
    }
    if holder != owner.id {
        for row in out.inventory.iter_mut().rev().take(DOCS_PER_CASE) {
            row.org_id = holder;
        }
    }
}

fn share(owner: &Org, p: &Person, to: &Org, case: CaseId, doc: &mut Doc, out: &mut Part) {
    let to_key = to.key.public_key();
    let wrapped = envelope(
        &p.sign,
        owner.id,
        KeyScope::Document(doc.id),
        &doc.key,
        &to_key,
    );
    let statement = Statement::now(Claim::DocumentShared {
        document: doc.id,
        from_org: owner.id,
        to_org: to.id,
        to_org_key: to_key.fingerprint(),
        envelope_sha256: vault_core::sha256(&wrapped.wrapped),
    })
    .sign(&p.sign);
    let h = Head {
        case: Some(case),
        ..head(
            "document.shared",
            "document",
            doc.id.to_string(),
            p.user,
            owner.id,
        )
    };
    out.event(h, Some(statement), &[&wrapped]);
    out.keep("share", format!("{}/{}", doc.id, to.id), wrapped);
    doc.shared_with = Some(to.id);
}

/// Offers the case with a fresh case key and has the receiver accept; returns the case's new
/// envelope. The document rows take the re-wrapped keys, the transfer keeps its copies.
fn transfer(from: &Org, to: &Org, case: CaseId, docs: &mut [Doc], out: &mut Part) -> Envelope {
    let (m, transfer) = (&from.manager, TransferId::new());
    let new_key = SecretKey::generate();
    let to_key = to.key.public_key();
    let case_env = envelope(&m.sign, from.id, KeyScope::Case(case), &new_key, &to_key);
    let doc_envs: Vec<Envelope> = docs
        .iter()
        .map(|d| {
            envelope(
                &m.sign,
                from.id,
                KeyScope::Document(d.id),
                &d.key,
                &new_key.public_key(),
            )
        })
        .collect();
    let offered = Statement::now(Claim::CaseTransferred {
        case,
        from_org: from.id,
        to_org: to.id,
        to_org_key: to_key.fingerprint(),
        new_case_key: new_key.fingerprint(),
        documents: docs.len() as u64,
    })
    .sign(&m.sign);
    let mut all = vec![&case_env];
    all.extend(doc_envs.iter());
    let h = Head {
        case: Some(case),
        ..head(
            "case.transfer_offered",
            "transfer",
            transfer.to_string(),
            m.user,
            from.id,
        )
    };
    out.event(h, Some(offered), &all);
    let accepted = Statement::now(Claim::TransferAccepted {
        case,
        from_org: from.id,
        to_org: to.id,
        new_case_key: new_key.fingerprint(),
    })
    .sign(&to.manager.sign);
    let h = Head {
        case: Some(case),
        ..head(
            "case.transfer_accepted",
            "transfer",
            transfer.to_string(),
            to.manager.user,
            to.id,
        )
    };
    out.event(h, Some(accepted), &[]);
    out.keep("transfer-case", transfer.to_string(), case_env.clone());
    for (d, e) in docs.iter_mut().zip(doc_envs) {
        out.keep(
            "transfer-document",
            format!("{transfer}/{}", d.id),
            e.clone(),
        );
        d.envelope = e;
    }
    case_env
}

fn main() {
    let (out_dir, target) = args();
    let objects = out_dir.join("objects");
    std::fs::create_dir_all(&objects).unwrap();
    std::fs::create_dir_all(out_dir.join("log")).unwrap();
    let started = std::time::Instant::now();
    let mut all = Part::default();
    let orgs: Vec<Org> = (0..ORGS).map(|n| found(n, &mut all)).collect();
    let cases = target.saturating_sub(all.leaves.len()) * 10 / TENTHS_OF_LEAVES_PER_CASE;
    let threads = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    let per = cases.div_ceil(threads).max(1);
    let parts: Vec<Part> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let (orgs, objects) = (&orgs, &objects);
                scope.spawn(move || {
                    let mut part = Part::default();
                    for n in t * per..((t + 1) * per).min(cases) {
                        case(objects, orgs, n, &mut part);
                    }
                    part
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    for part in parts {
        all.extend(part);
    }
    let directory: Vec<OrgDirectory> = orgs.into_iter().map(|o| o.directory).collect();
    write(&out_dir, &all, &directory);
    eprintln!(
        "wrote {} leaves, {} documents, {} envelopes to {} in {:.1} s",
        all.leaves.len(),
        all.inventory.len(),
        all.envelopes.len(),
        out_dir.display(),
        started.elapsed().as_secs_f64()
    );
}

fn args() -> (PathBuf, usize) {
    let mut out = None;
    let mut leaves = 1_000_000;
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--out" => out = it.next().map(PathBuf::from),
            "--leaves" => leaves = it.next().and_then(|n| n.parse().ok()).expect("--leaves N"),
            other => panic!("unknown argument {other}; use --out DIR [--leaves N]"),
        }
    }
    (out.expect("--out DIR"), leaves)
}

/// Writes the files of the export, with a signed checkpoint every tenth of the log and one
/// at its full size.
fn write(dir: &Path, all: &Part, directory: &[OrgDirectory]) {
    let log_key = SigningKey::generate().unwrap();
    let note_key = NoteKey {
        name: ORIGIN.to_owned(),
        key: log_key.verifying_key(),
    };
    let mut tree = MemoryTree::new();
    let mut leaves = lines(&dir.join("log/leaves.jsonl"));
    let mut checkpoints = lines(&dir.join("log/checkpoints.jsonl"));
    let step = (all.leaves.len() / 10).max(1);
    let mut count = 0u64;
    for (i, leaf) in all.leaves.iter().enumerate() {
        leaves.write_all(leaf).unwrap();
        leaves.write_all(b"\n").unwrap();
        tree.push(leaf_hash(leaf));
        if (i + 1) % step == 0 || i + 1 == all.leaves.len() {
            let note = Checkpoint {
                origin: ORIGIN.to_owned(),
                size: tree.len(),
                root: tree.root(),
                time: 1_780_000_000 + i as u64,
            }
            .sign(&log_key);
            serde_json::to_writer(&mut checkpoints, &LogCheckpoint { note }).unwrap();
            checkpoints.write_all(b"\n").unwrap();
            count += 1;
        }
    }
    leaves.flush().unwrap();
    checkpoints.flush().unwrap();
    let mut envelopes = lines(&dir.join("envelopes.jsonl"));
    for e in &all.envelopes {
        serde_json::to_writer(&mut envelopes, e).unwrap();
        envelopes.write_all(b"\n").unwrap();
    }
    envelopes.flush().unwrap();
    json(&dir.join("directory.json"), &directory);
    json(&dir.join("inventory.json"), &all.inventory);
    json(&dir.join("access.json"), &all.access);
    json(
        &dir.join("config.json"),
        &ExportConfig {
            database: "sqlite".into(),
            object_store: "file".into(),
            log_origin: ORIGIN.into(),
            log_vkey: note_key.to_vkey(),
            max_upload_bytes: 1 << 30,
            token_ttl_secs: 43_200,
            upload_idle_secs: 60,
        },
    );
    let counts = ExportCounts {
        leaves: all.leaves.len() as u64,
        checkpoints: count,
        orgs: directory.len() as u64,
        envelopes: all.envelopes.len() as u64,
        inventory: all.inventory.len() as u64,
        access: all.access.len() as u64,
        objects: all.inventory.len() as u64,
    };
    json(
        &dir.join("manifest.json"),
        &ExportManifest {
            format: 1,
            log_origin: ORIGIN.into(),
            log_vkey: note_key.to_vkey(),
            tree_size: all.leaves.len() as u64,
            exported_at: 1_780_000_000,
            counts,
        },
    );
}

fn lines(path: &Path) -> std::io::BufWriter<std::fs::File> {
    std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path).unwrap())
}

fn json<T: serde::Serialize + ?Sized>(path: &Path, value: &T) {
    let mut out = lines(path);
    serde_json::to_writer(&mut out, value).unwrap();
    out.flush().unwrap();
}
