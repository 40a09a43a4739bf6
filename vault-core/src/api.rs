//! Wire types of the JSON API, shared by server and clients.
//!
//! Binary fields travel as padded base64, digests as lower-case hex, keys in their usual text
//! forms (`age1…` recipients, base64 Ed25519 keys). Every type here is public data: none holds a
//! secret key, and none holds document content or a document name in clear. Sealed fields
//! (`sealed_metadata`, `wrapped`) are age files the server cannot open.
//!
//! Clients choose the ids of what they create (users, cases, documents, transfers), so that the
//! statements they sign can name them; the server answers 409 for an id already taken.

use serde::{Deserialize, Serialize};

use crate::ids::{CaseId, DocumentId, OrgId, TransferId, UserId};
use crate::keys::{Fingerprint, PublicKey, VerifyingKey};
use crate::statement::{Role, SignedStatement};

/// The one error shape: `{"error": {"code": "...", "message": "..."}}`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// Inside [`ErrorBody`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// A stable machine-readable code (`not_found`, `conflict`, `payload_too_large`, …).
    pub code: String,
    /// A sentence for people; never holds secrets or internal details.
    pub message: String,
}

/// What an account is on the platform.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountRole {
    /// Creates organisations; sees no case content.
    PlatformAdmin,
    /// Manager of one organisation.
    Manager,
    /// Practitioner of one organisation.
    Practitioner,
    /// Platform-wide, read-only on audit records and the ciphertext inventory.
    Auditor,
}

impl From<Role> for AccountRole {
    fn from(role: Role) -> Self {
        match role {
            Role::Manager => Self::Manager,
            Role::Practitioner => Self::Practitioner,
        }
    }
}

/// Where a member stands in their organisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberStatus {
    /// Registered, waiting for a manager.
    Pending,
    /// Approved and certified.
    Active,
    /// Removed by a manager; can no longer log in.
    Removed,
}

/// `POST /v1/auth/login`.
#[derive(Clone, Serialize, Deserialize)]
pub struct LoginRequest {
    /// The account's e-mail address.
    pub email: String,
    /// The account password (not the keystore passphrase).
    pub password: String,
}

/// Answer to a login.
#[derive(Clone, Serialize, Deserialize)]
pub struct LoginResponse {
    /// Bearer token for `Authorization: Bearer …`.
    pub token: String,
    /// When the token stops working, seconds since the Unix epoch.
    pub expires_at: i64,
    /// Who logged in.
    pub me: Me,
}

/// `GET /v1/me`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Me {
    /// The account.
    pub user_id: UserId,
    /// Its e-mail address.
    pub email: String,
    /// Its role.
    pub role: AccountRole,
    /// Its organisation, for managers and practitioners.
    pub org_id: Option<OrgId>,
    /// Its standing in the organisation.
    pub status: MemberStatus,
}

/// `POST /v1/orgs` (platform admin).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CreateOrgRequest {
    /// The organisation's name, 1 to 200 characters.
    pub name: String,
}

/// Answer to creating an organisation.
#[derive(Clone, Serialize, Deserialize)]
pub struct CreateOrgResponse {
    /// The new organisation.
    pub org: OrgSummary,
    /// One-time code the first manager registers with; shown once, stored hashed.
    pub invite_code: String,
}

/// One organisation as listed in the directory (`GET /v1/orgs`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OrgSummary {
    /// The organisation.
    pub org_id: OrgId,
    /// Its name.
    pub name: String,
    /// Its root signing key, fixed when the first manager registered; `None` before.
    pub root_signing_key: Option<VerifyingKey>,
    /// Its current encryption key; `None` before the first manager registered.
    pub org_key: Option<PublicKey>,
    /// Version of `org_key`, from 1.
    pub org_key_version: Option<u32>,
}

/// An envelope: one key age-encrypted to one recipient, with the wrapper's signed statement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    /// Fingerprint of the key inside.
    pub key: Fingerprint,
    /// Fingerprint of the recipient it is wrapped to.
    pub recipient: Fingerprint,
    /// The age file holding the wrapped key (base64).
    #[serde(with = "crate::b64::bytes")]
    pub wrapped: Vec<u8>,
    /// A `key-wrapped` statement naming `key`, `recipient` and the SHA-256 of `wrapped`.
    pub statement: SignedStatement,
}

/// `POST /v1/register`: a person joins an organisation.
#[derive(Clone, Serialize, Deserialize)]
pub struct RegisterRequest {
    /// Chosen by the client.
    pub user_id: UserId,
    /// The organisation joined.
    pub org_id: OrgId,
    /// Login e-mail address.
    pub email: String,
    /// Login password, at least 12 characters.
    pub password: String,
    /// The person's encryption key.
    pub encryption_key: PublicKey,
    /// The person's signing key.
    pub signing_key: VerifyingKey,
    /// Present for the organisation's first manager only.
    pub founding: Option<FoundingRequest>,
    /// The person's keystore locked with their vault passphrase (base64 of an age file with
    /// one scrypt stanza), kept so the web app can unlock it in the browser; `vaultctl` keeps
    /// its keystore on disk and sends none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keystore: Option<String>,
    /// The name colleagues see in the web app (1 to 200 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

/// `GET` and `PUT /v1/me/keystore`: the caller's passphrase-locked keystore.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct KeystoreBody {
    /// Base64 of the age file (one scrypt stanza, work factor 15 to 22, at most 64 KiB).
    pub keystore: String,
}

/// `GET /v1/me/keystore`: the caller's keystore, or `null` when none is kept (a member who
/// registered with `vaultctl` and never ran `vaultctl keys upload`). An answer rather than a
/// 404, because browsers log every failed fetch as an error on the page's console.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StoredKeystore {
    /// Base64 of the locked keystore, as [`KeystoreBody`] carries it.
    pub keystore: Option<String>,
}

/// What the first manager sends to set up an organisation's keys.
#[derive(Clone, Serialize, Deserialize)]
pub struct FoundingRequest {
    /// The invitation code the platform admin handed over.
    pub invite_code: String,
    /// The organisation's root signing key, fixed from now on.
    pub root_signing_key: VerifyingKey,
    /// `org-key-published` (version 1), signed by the root signing key.
    pub org_key_statement: SignedStatement,
    /// `member-certified` for the founder as manager, signed by the root signing key.
    pub certificate: SignedStatement,
    /// The organisation key wrapped to the founder.
    pub org_envelope: Envelope,
}

/// Answer to a registration.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RegisterResponse {
    /// The account.
    pub user_id: UserId,
    /// `active` for a founder, `pending` otherwise.
    pub status: MemberStatus,
}

/// One member in an organisation's directory.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MemberEntry {
    /// The member.
    pub user_id: UserId,
    /// E-mail address (shown to managers comparing fingerprints).
    pub email: String,
    /// Role once certified.
    pub role: Option<Role>,
    /// Standing.
    pub status: MemberStatus,
    /// Published encryption key.
    pub encryption_key: PublicKey,
    /// Published signing key.
    pub signing_key: VerifyingKey,
    /// `member-certified` by a manager (or the root key for the founder).
    pub certificate: Option<SignedStatement>,
}

/// `GET /v1/orgs/{org_id}/directory`: what a client needs to check a chain of trust.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OrgDirectory {
    /// The organisation.
    pub org: OrgSummary,
    /// Every `org-key-published` statement, oldest first.
    pub org_key_statements: Vec<SignedStatement>,
    /// Every member ever registered, with certificates.
    pub members: Vec<MemberEntry>,
}

/// `POST /v1/orgs/{org_id}/members/{user_id}/approve` (manager).
#[derive(Clone, Serialize, Deserialize)]
pub struct ApproveRequest {
    /// `member-certified` signed by the approving manager.
    pub certificate: SignedStatement,
    /// The current organisation key wrapped to the new member.
    pub org_envelope: Envelope,
}

/// `POST /v1/orgs/{org_id}/members/{user_id}/remove` (manager): removal and key rotation
/// happen together or not at all.
#[derive(Clone, Serialize, Deserialize)]
pub struct RemoveMemberRequest {
    /// `member-removed` signed by the manager.
    pub removal: SignedStatement,
    /// The new organisation key and everything re-wrapped under it.
    pub rotation: OrgKeyRotation,
}

/// A new organisation key, wrapped to every remaining member, with every case key and every
/// shared document key the organisation holds re-wrapped to it. The server refuses a rotation
/// that leaves any of them out.
#[derive(Clone, Serialize, Deserialize)]
pub struct OrgKeyRotation {
    /// `org-key-published` with the next version, signed by the manager.
    pub org_key_statement: SignedStatement,
    /// The new key wrapped to each remaining active member.
    pub member_envelopes: Vec<MemberEnvelope>,
    /// Each case key the organisation holds, wrapped to the new key.
    pub case_envelopes: Vec<CaseEnvelope>,
    /// Each document key shared with the organisation, wrapped to the new key.
    pub share_envelopes: Vec<DocumentEnvelope>,
}

/// An envelope addressed to one member.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MemberEnvelope {
    /// The member.
    pub user_id: UserId,
    /// The organisation key wrapped to them.
    pub envelope: Envelope,
}

/// An envelope for one case key.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CaseEnvelope {
    /// The case.
    pub case_id: CaseId,
    /// Its key wrapped.
    pub envelope: Envelope,
}

/// An envelope for one document key.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DocumentEnvelope {
    /// The document.
    pub document_id: DocumentId,
    /// Its key wrapped.
    pub envelope: Envelope,
}

/// `GET /v1/orgs/{org_id}/key-envelope`: the caller's wrapped copy of the current
/// organisation key.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OrgKeyEnvelope {
    /// Version of the organisation key.
    pub version: u32,
    /// The organisation's public key of that version.
    pub org_key: PublicKey,
    /// The key wrapped to the caller.
    pub envelope: Envelope,
}

/// `POST /v1/cases`.
#[derive(Clone, Serialize, Deserialize)]
pub struct CreateCaseRequest {
    /// Chosen by the client.
    pub case_id: CaseId,
    /// A working reference such as `NC-2026-0142`; platform data, not sealed. 1-200 chars.
    pub reference: String,
    /// The case's public key.
    pub case_key: PublicKey,
    /// The case key wrapped to the organisation's current key.
    pub envelope: Envelope,
}

/// A case as listed.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CaseSummary {
    /// The case.
    pub case_id: CaseId,
    /// Its owning organisation.
    pub org_id: OrgId,
    /// Working reference.
    pub reference: String,
    /// Current case key.
    pub case_key: PublicKey,
    /// How many documents it holds.
    pub document_count: u64,
    /// Seconds since the Unix epoch.
    pub created_at: i64,
}

/// `GET /v1/cases/{case_id}`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CaseDetail {
    /// The case.
    pub case: CaseSummary,
    /// The case key wrapped to the owning organisation's current key.
    pub envelope: Envelope,
    /// Its documents.
    pub documents: Vec<DocumentSummary>,
}

/// First part (`manifest`) of `POST /v1/cases/{case_id}/documents`; the second part (`body`)
/// is the age file itself.
#[derive(Clone, Serialize, Deserialize)]
pub struct UploadManifest {
    /// Chosen by the client.
    pub document_id: DocumentId,
    /// The document's public key.
    pub document_key: PublicKey,
    /// Name, type, size and plaintext digest, sealed to the document key (base64 age file).
    #[serde(with = "crate::b64::bytes")]
    pub sealed_metadata: Vec<u8>,
    /// The document key wrapped to the case key.
    pub envelope: Envelope,
    /// `document-sealed`, signed by the uploader.
    pub statement: SignedStatement,
}

/// A document as listed; everything in it is ciphertext or public.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DocumentSummary {
    /// The document.
    pub document_id: DocumentId,
    /// Its case.
    pub case_id: CaseId,
    /// Size of the stored age file.
    pub ciphertext_size: u64,
    /// SHA-256 of the stored age file.
    #[serde(with = "crate::b64::digest")]
    pub ciphertext_sha256: [u8; 32],
    /// The document's public key.
    pub document_key: PublicKey,
    /// Sealed metadata (base64 age file).
    #[serde(with = "crate::b64::bytes")]
    pub sealed_metadata: Vec<u8>,
    /// `document-sealed` statement.
    pub statement: SignedStatement,
    /// Who uploaded it.
    pub sealed_by: UserId,
    /// Seconds since the Unix epoch.
    pub created_at: i64,
}

/// `GET /v1/documents/{document_id}`: the document and the envelopes the caller can use.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DocumentAccess {
    /// The document.
    pub document: DocumentSummary,
    /// How the caller's organisation reaches the document key.
    pub path: AccessPath,
}

/// The chain of envelopes from the caller's organisation key to a document key.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "via", rename_all = "snake_case")]
pub enum AccessPath {
    /// The caller's organisation owns the case.
    Case {
        /// Case key wrapped to the organisation key.
        case_envelope: Envelope,
        /// Document key wrapped to the case key.
        document_envelope: Envelope,
    },
    /// The document was shared with the caller's organisation.
    Share {
        /// Document key wrapped to the organisation key.
        envelope: Envelope,
        /// `document-shared` statement.
        statement: SignedStatement,
    },
}

/// `POST /v1/documents/{document_id}/shares`.
#[derive(Clone, Serialize, Deserialize)]
pub struct ShareRequest {
    /// Organisation receiving the document.
    pub to_org: OrgId,
    /// The document key wrapped to that organisation's current key.
    pub envelope: Envelope,
    /// `document-shared`.
    pub statement: SignedStatement,
}

/// One share as listed.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ShareSummary {
    /// The document.
    pub document_id: DocumentId,
    /// The case it belongs to.
    pub case_id: CaseId,
    /// The organisation that shared it (the case owner at the time).
    pub from_org: OrgId,
    /// The organisation it is shared with.
    pub to_org: OrgId,
    /// Seconds since the Unix epoch.
    pub created_at: i64,
}

/// `POST /v1/documents/{document_id}/shares/{org_id}/revoke`.
#[derive(Clone, Serialize, Deserialize)]
pub struct RevokeRequest {
    /// `share-revoked`.
    pub statement: SignedStatement,
}

/// `POST /v1/cases/{case_id}/transfers` (manager of the owning organisation).
#[derive(Clone, Serialize, Deserialize)]
pub struct TransferOffer {
    /// Chosen by the client.
    pub transfer_id: TransferId,
    /// Receiving organisation.
    pub to_org: OrgId,
    /// The rotated case key.
    pub new_case_key: PublicKey,
    /// The new case key wrapped to the receiving organisation's current key.
    pub case_envelope: Envelope,
    /// Every document key of the case re-wrapped to the new case key: all or none.
    pub document_envelopes: Vec<DocumentEnvelope>,
    /// `case-transferred`, signed by the manager.
    pub statement: SignedStatement,
}

/// Standing of a transfer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferStatus {
    /// Waiting for the receiving manager.
    Offered,
    /// Applied: the receiver owns the case.
    Accepted,
    /// Closed unapplied by the sending manager.
    Withdrawn,
    /// Closed unapplied by the receiving manager.
    Declined,
}

/// A transfer as listed (`GET /v1/transfers`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TransferSummary {
    /// The transfer.
    pub transfer_id: TransferId,
    /// The case.
    pub case_id: CaseId,
    /// The case's reference.
    pub reference: String,
    /// Sending organisation.
    pub from_org: OrgId,
    /// Receiving organisation.
    pub to_org: OrgId,
    /// Standing.
    pub status: TransferStatus,
    /// The rotated case key.
    pub new_case_key: PublicKey,
    /// New case key wrapped to the receiver.
    pub case_envelope: Envelope,
    /// `case-transferred`.
    pub statement: SignedStatement,
    /// Number of documents in the offer.
    pub document_count: u64,
    /// Seconds since the Unix epoch.
    pub created_at: i64,
}

/// `POST /v1/transfers/{transfer_id}/accept` (manager of the receiving organisation).
#[derive(Clone, Serialize, Deserialize)]
pub struct AcceptTransferRequest {
    /// `transfer-accepted`.
    pub statement: SignedStatement,
}

/// `POST /v1/admin/auditors` (platform admin).
#[derive(Clone, Serialize, Deserialize)]
pub struct CreateAuditorRequest {
    /// Chosen by the client.
    pub user_id: UserId,
    /// Login e-mail.
    pub email: String,
    /// Login password, at least 12 characters.
    pub password: String,
}

/// One audit record (`GET /v1/audit/events`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AuditEvent {
    /// Sequence number, from 1.
    pub seq: i64,
    /// Seconds since the Unix epoch.
    pub at: i64,
    /// Who acted, when someone did.
    pub actor: Option<UserId>,
    /// The actor's organisation, when they have one.
    pub org_id: Option<OrgId>,
    /// What happened (`document.sealed`, `case.transfer_accepted`, …).
    pub action: String,
    /// Kind of the object acted on (`case`, `document`, `org`, `user`, `transfer`).
    pub object_kind: String,
    /// Its id.
    pub object_id: String,
}

/// One stored object in the ciphertext inventory (`GET /v1/audit/inventory`, auditor).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryEntry {
    /// The document.
    pub document_id: DocumentId,
    /// Owning organisation.
    pub org_id: OrgId,
    /// Server-made object key.
    pub object_key: String,
    /// Size in bytes.
    pub ciphertext_size: u64,
    /// SHA-256 of the object.
    #[serde(with = "crate::b64::digest")]
    pub ciphertext_sha256: [u8; 32],
    /// The case holding the document (an id only; the case reference is not shown).
    pub case_id: CaseId,
    /// The `document-sealed` statement the uploader signed for the object.
    pub statement: SignedStatement,
}

/// One stored envelope, wherever the server keeps it (`GET /v1/audit/envelopes`, auditor).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredEnvelope {
    /// Where it is kept: `member`, `case`, `document`, `share`, `transfer-case` or
    /// `transfer-document`.
    pub place: String,
    /// The row holding it: a user id (`member`), case id (`case`), document id (`document`),
    /// `DOCUMENT_ID/ORG_ID` (`share`), transfer id (`transfer-case`) or
    /// `TRANSFER_ID/DOCUMENT_ID` (`transfer-document`).
    pub owner: String,
    /// The envelope as stored, with its `key-wrapped` statement; absent when the row holds
    /// none that reads (it was changed outside the server), which an audit reports as a
    /// failure of that row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub envelope: Option<Envelope>,
}

/// Who the database says can open a document today (`GET /v1/audit/access`, auditor).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentAccessToday {
    /// The document.
    pub document_id: DocumentId,
    /// The case owner, the organisations it is shared with and the receiver of a waiting
    /// transfer offer, sorted, each once.
    pub orgs: Vec<OrgId>,
}

/// `manifest.json` of an export written by `vault-server export-audit`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportManifest {
    /// Version of the export layout; this one is 1.
    pub format: u32,
    /// The log's origin line.
    pub log_origin: String,
    /// The log's public key as a note verifier key (`name+keyid+base64`).
    pub log_vkey: String,
    /// Leaves in the log when the export was taken (lines of `log/leaves.jsonl`).
    pub tree_size: u64,
    /// When the export was taken, seconds since the Unix epoch.
    pub exported_at: i64,
    /// How many entries each file holds.
    pub counts: ExportCounts,
}

/// Entries per file of an export.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportCounts {
    /// Lines of `log/leaves.jsonl`.
    pub leaves: u64,
    /// Lines of `log/checkpoints.jsonl`.
    pub checkpoints: u64,
    /// Organisations in `directory.json`.
    pub orgs: u64,
    /// Lines of `envelopes.jsonl`.
    pub envelopes: u64,
    /// Entries of `inventory.json`.
    pub inventory: u64,
    /// Entries of `access.json`.
    pub access: u64,
    /// Files in `objects/`.
    pub objects: u64,
}

/// `config.json` of an export: the server's settings that are not secret. URLs and
/// credentials are left out; only the kind of database and object store is named.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportConfig {
    /// `sqlite` or `postgres`.
    pub database: String,
    /// `file`, `memory` or `s3`.
    pub object_store: String,
    /// The log's origin line.
    pub log_origin: String,
    /// The log's public key (`name+keyid+base64`).
    pub log_vkey: String,
    /// Largest document ciphertext accepted, in bytes.
    pub max_upload_bytes: u64,
    /// Login token lifetime, in seconds.
    pub token_ttl_secs: u64,
    /// Seconds an upload's body may stay silent.
    pub upload_idle_secs: u64,
}

/// `GET /v1/orgs/{org_id}/holdings` (manager): every key the organisation key opens, which a
/// rotation must re-wrap.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OrgHoldings {
    /// Current organisation key version.
    pub org_key_version: u32,
    /// The case key of every case the organisation owns, wrapped to the current key.
    pub cases: Vec<CaseEnvelope>,
    /// The document key of every document shared with the organisation, wrapped to it,
    /// including shares no listing shows because the organisation now owns the document's case
    /// (their envelopes are wrapped to the organisation key too, and re-wrapped with it).
    pub shares: Vec<HeldShare>,
}

/// One share an organisation holds, as a rotation must re-wrap it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct HeldShare {
    /// The shared document.
    pub document_id: DocumentId,
    /// The organisation that shared it: the only one with standing to have wrapped its key.
    pub from_org: OrgId,
    /// Its key wrapped to the organisation key.
    pub envelope: Envelope,
}

/// A signed checkpoint of the append-only log (`GET /v1/log/checkpoint`): the whole C2SP
/// signed note, log signature first, then the cosignature lines stored for that tree size.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogCheckpoint {
    /// The note, ending with a newline; open it with
    /// [`crate::checkpoint::SignedCheckpoint::open`].
    pub note: String,
}

/// A Merkle tree hash carried as 64 lower-case hex digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct HexHash(#[serde(with = "crate::b64::digest")] pub crate::merkle::Hash);

/// `GET /v1/log/proof/inclusion?index=I&size=N`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InclusionProof {
    /// The leaf.
    pub index: u64,
    /// The tree size the proof leads to the root of.
    pub size: u64,
    /// The audit path, in RFC 9162 order.
    pub proof: Vec<HexHash>,
}

/// `GET /v1/log/proof/consistency?from=M&to=N`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsistencyProof {
    /// The older tree size.
    pub from: u64,
    /// The newer tree size.
    pub to: u64,
    /// The proof, in RFC 9162 order; empty when `from` is 0 or equals `to`.
    pub proof: Vec<HexHash>,
}

/// One leaf of the log (`GET /v1/log/leaves`, `GET /v1/log/by-statement/{sha256}`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    /// Position in the log, from 0.
    pub index: u64,
    /// The leaf's exact bytes as UTF-8 JSON text ([`crate::leaf::LogLeaf`]); hash these bytes,
    /// not a re-encoding.
    pub leaf: String,
}

/// `POST /v1/log/cosignatures` (auditor): a witness's cosignature of a stored checkpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CosignRequest {
    /// The witness's key as a note verifier key (`name+keyid+base64`).
    pub witness_key: String,
    /// The cosignature line, without its newline.
    pub cosignature: String,
    /// The tree size of the checkpoint cosigned.
    pub size: u64,
}

/// `GET /v1/log/key` (any account): the log's public key, which a client pins the first time it
/// meets the server unless it was given the key in advance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogKey {
    /// The key as a note verifier key (`origin+keyid+base64`).
    pub vkey: String,
}
