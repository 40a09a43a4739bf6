//! Documents: seal into a case, list, open, share, revoke, export.
//!
//! Sealing happens here, on this machine: the body is encrypted to a fresh document key and
//! streamed to the server as it is sealed ([`crate::upload`]). Opening streams the
//! ciphertext from the server through the checks in [`crate::files`]. Nothing is shown as
//! genuine unless its `document-sealed` statement verifies.

use std::path::{Path, PathBuf};

use serde::Serialize;
use tokio::sync::oneshot;

use vault_core::api::{
    AccessPath, DocumentAccess, DocumentSummary, RevokeRequest, ShareRequest, ShareSummary,
    UploadManifest,
};
use vault_core::ids::{CaseId, DocumentId, OrgId, UserId};
use vault_core::keys::{PublicKey, SecretKey};
use vault_core::seal::{DocumentMetadata, Expected, SealedBody};
use vault_core::statement::{Claim, KeyScope, Statement};

use crate::client::Client;
use crate::error::{ClientError, Result};
use crate::files::{self, Destination};
use crate::upload;
use crate::verify::SealedClaim;

/// Told how far a long seal or open has got.
pub trait Progress: Send + 'static {
    /// The total number of plaintext bytes, once known.
    fn start(&mut self, _total: u64) {}
    /// Plaintext bytes done so far.
    fn update(&mut self, _done: u64) {}
    /// The work ended (well or not).
    fn finish(&mut self) {}
}

/// No progress reporting.
pub struct NoProgress;

impl Progress for NoProgress {}

/// A case ready to take documents: its key verified once for any number of files.
pub struct SealingCase {
    case_id: CaseId,
    case_key: PublicKey,
}

/// One document as listed: what its sealed metadata says, or why it is not genuine.
#[derive(Clone, Debug, Serialize)]
pub struct DocumentView {
    /// The document.
    pub document_id: DocumentId,
    /// False when its statement, envelope or metadata did not verify.
    pub genuine: bool,
    /// Why it is not genuine.
    pub problem: Option<String>,
    /// From the sealed metadata.
    pub file_name: Option<String>,
    /// From the sealed metadata.
    pub media_type: Option<String>,
    /// Plaintext size, from the sealed metadata.
    pub size: Option<u64>,
    /// Who uploaded it (server field).
    pub sealed_by: UserId,
    /// Seconds since the Unix epoch (server field).
    pub created_at: i64,
}

/// Where to put an opened document.
#[derive(Clone, Debug)]
pub enum OpenTarget {
    /// This exact path.
    File(PathBuf),
    /// This directory, under the sealed file name made safe by [`files::sanitise_file_name`].
    Dir(PathBuf),
}

/// A document opened into a file.
#[derive(Clone, Debug)]
pub struct OpenedFile {
    /// Where it was written.
    pub path: PathBuf,
    /// The file name in the sealed metadata, exactly as sealed: with [`OpenTarget::Dir`] the
    /// file on disk has this name with unsafe characters replaced, so a caller can say so.
    pub sealed_name: String,
}

impl Client {
    /// Checks a case's key once before sealing files into it.
    pub async fn prepare_case(&self, case: CaseId) -> Result<SealingCase> {
        self.check_log().await?;
        let detail = self.show_case(case).await?;
        let org_key = self.org_key().await?;
        let case_key = self.case_key(&detail, &org_key).await?.public_key();
        Ok(SealingCase {
            case_id: case,
            case_key,
        })
    }

    /// Seals one file into a case and uploads it while it seals; returns the new document's
    /// id. The ciphertext is never written to disk here: it streams to the server as the
    /// `body` part, and the signed manifest follows once sealing has finished. If sealing
    /// fails, the request is abandoned (the server keeps nothing) and that failure is returned.
    /// Once stored, its `document-sealed` and `key-wrapped` statements are proven in the log.
    pub async fn seal_file<P: Progress>(
        &self,
        case: &SealingCase,
        path: &Path,
        mut progress: P,
    ) -> Result<DocumentId> {
        self.my_org()?;
        file_name_of(path)?;
        let document_id = DocumentId::new();
        let doc_key = SecretKey::generate();
        let before = std::fs::metadata(path)
            .map_err(|e| ClientError::io(format!("cannot read {}", path.display()), e))?;
        progress.start(before.len());
        let (sealing, body) =
            upload::start_sealing(path.to_owned(), doc_key.public_key(), progress);
        let (manifest_tx, manifest_rx) = oneshot::channel();
        let route = format!("/v1/cases/{}/documents", case.case_id);
        let manifest = upload::manifest_stream(manifest_rx);
        let uploaded = self
            .api
            .upload_streamed::<serde_json::Value, _, _>(&route, body, manifest);
        let mut upload_stopped = false;
        let mut statements = None;
        let signed = async {
            let outcome = sealing
                .await
                .map_err(|_| ClientError::Invalid("sealing stopped unexpectedly".into()))?;
            upload_stopped = outcome.upload_stopped;
            let sealed = outcome.sealed?;
            unchanged_while_sealed(path, &before, &sealed)?;
            let manifest = self.manifest_for(case, document_id, &doc_key, path, &sealed)?;
            statements = Some([
                manifest.statement.clone(),
                manifest.envelope.statement.clone(),
            ]);
            let bytes = serde_json::to_vec(&manifest)
                .map_err(|_| ClientError::Invalid("cannot encode the manifest".into()))?;
            // If the request has already ended, its own error says why.
            let _ = manifest_tx.send(bytes);
            Ok(())
        };
        let (uploaded, signed) = tokio::join!(uploaded, signed);
        match (uploaded, signed, statements) {
            (Ok(_), Ok(()), Some([sealed, wrapped])) => {
                self.confirm_on_log("document seal", &[&sealed, &wrapped])
                    .await?;
                Ok(document_id)
            }
            (Ok(_), Ok(()), None) => Err(ClientError::Invalid(
                "sealing ended without a manifest".into(),
            )),
            // Sealing failed on its own (an unreadable file): that is the error to show.
            (_, Err(err), _) if !upload_stopped => Err(err),
            (Err(err), _, _) | (Ok(_), Err(err), _) => Err(err),
        }
    }

    /// The signed manifest for a sealed body: sealed metadata, envelope and statement.
    fn manifest_for(
        &self,
        case: &SealingCase,
        document_id: DocumentId,
        doc_key: &SecretKey,
        path: &Path,
        sealed: &SealedBody,
    ) -> Result<UploadManifest> {
        let org = self.my_org()?;
        let metadata = DocumentMetadata {
            file_name: file_name_of(path)?,
            media_type: files::media_type_for(path),
            size: sealed.plaintext_size,
            sha256: sealed.plaintext_sha256,
        };
        let doc_public = doc_key.public_key();
        let sealed_metadata = metadata.seal(&doc_public)?;
        let scope = KeyScope::Document(document_id);
        let envelope = self.make_envelope(doc_key, &case.case_key, scope, org)?;
        let statement = Statement::now(Claim::DocumentSealed {
            org,
            case: case.case_id,
            document: document_id,
            ciphertext_sha256: sealed.ciphertext_sha256,
            ciphertext_size: sealed.ciphertext_size,
            metadata_sha256: vault_core::sha256(&sealed_metadata),
            document_key: doc_key.fingerprint(),
        })
        .sign(self.keystore.signing_key());
        Ok(UploadManifest {
            document_id,
            document_key: doc_public,
            sealed_metadata,
            envelope,
            statement,
        })
    }

    /// The documents of a case, each checked and its metadata opened.
    pub async fn list_documents(&self, case: CaseId) -> Result<Vec<DocumentView>> {
        let detail = self.show_case(case).await?;
        let mut out = Vec::with_capacity(detail.documents.len());
        for doc in &detail.documents {
            let mut view = DocumentView {
                document_id: doc.document_id,
                genuine: false,
                problem: None,
                file_name: None,
                media_type: None,
                size: None,
                sealed_by: doc.sealed_by,
                created_at: doc.created_at,
            };
            match self.inspect(doc.document_id).await {
                Ok((_, _, _, metadata)) => {
                    view.genuine = true;
                    view.file_name = Some(metadata.file_name);
                    view.media_type = Some(metadata.media_type);
                    view.size = Some(metadata.size);
                }
                // The listing already says NOT GENUINE; the problem is only the reason.
                Err(ClientError::NotGenuine(why)) => view.problem = Some(why),
                Err(e @ (ClientError::Trust(_) | ClientError::Key(_) | ClientError::Open(_))) => {
                    view.problem = Some(e.to_string());
                }
                // One damaged record on the platform does not hide the case's other documents.
                Err(ClientError::Api { code, message, .. }) if code == "document_damaged" => {
                    view.problem = Some(message);
                }
                Err(e) => return Err(e),
            }
            out.push(view);
        }
        Ok(out)
    }

    /// Fetches a document's access record and checks it end to end: statement, envelopes,
    /// key and sealed metadata.
    async fn inspect(
        &self,
        document: DocumentId,
    ) -> Result<(DocumentSummary, SealedClaim, SecretKey, DocumentMetadata)> {
        let access: DocumentAccess = self.api.get(&format!("/v1/documents/{document}")).await?;
        let sealed = self.check_document(&access.document).await?;
        let key = self.document_key(&access, &sealed).await?;
        let metadata = DocumentMetadata::open(&access.document.sealed_metadata, &key)?;
        Ok((access.document, sealed, key, metadata))
    }

    /// Unwraps a document key along the caller's access path, checking every envelope.
    async fn document_key(
        &self,
        access: &DocumentAccess,
        sealed: &SealedClaim,
    ) -> Result<SecretKey> {
        let id = access.document.document_id;
        let org_key = self.org_key().await?;
        let (envelope, holder) = match &access.path {
            AccessPath::Case {
                case_envelope,
                document_envelope,
            } => {
                let allowed = self.case_wrappers(access.document.case_id).await?;
                let case_scope = KeyScope::Case(access.document.case_id);
                let case_key = self
                    .open_envelope(case_envelope, case_scope, &org_key, &allowed)
                    .await?;
                let scope = KeyScope::Document(id);
                self.check_envelope(document_envelope, scope, case_key.fingerprint(), &allowed)
                    .await?;
                (document_envelope, case_key)
            }
            AccessPath::Share {
                envelope,
                statement,
            } => {
                let (from, shared_sha256) = self.check_share(id, statement).await?;
                // The sharer's own envelope, or our manager's re-wrap of it at a key rotation.
                let allowed = [from, self.my_org()?];
                let scope = KeyScope::Document(id);
                let wrapper = self
                    .check_envelope(envelope, scope, org_key.fingerprint(), &allowed)
                    .await?;
                if wrapper == from && shared_sha256 != vault_core::sha256(&envelope.wrapped) {
                    return Err(ClientError::NotGenuine(format!(
                        "share of {id}: the envelope is not the one the sharer signed"
                    )));
                }
                (envelope, org_key)
            }
        };
        Ok(SecretKey::unwrap(
            &envelope.wrapped,
            &[&holder],
            sealed.document_key,
        )?)
    }

    /// Checks a `document-shared` statement: from a certified member of the sharing
    /// organisation, naming this document, our organisation and one of our verified
    /// organisation keys. Returns the sharing organisation and the envelope digest it signed.
    async fn check_share(
        &self,
        document: DocumentId,
        statement: &vault_core::statement::SignedStatement,
    ) -> Result<(OrgId, [u8; 32])> {
        let bad = |why: &str| ClientError::NotGenuine(format!("share of {document}: {why}"));
        let claim = statement
            .verify()
            .map_err(|_| bad("its statement does not verify"))?
            .claim;
        let Claim::DocumentShared {
            document: named,
            from_org,
            to_org,
            to_org_key,
            envelope_sha256,
        } = claim
        else {
            return Err(bad("it carries no document-shared statement"));
        };
        self.trusted_org(from_org)
            .await?
            .check(statement)
            .map_err(|_| {
                bad("it was not made by a certified member of the sharing organisation")
            })?;
        let ours = self.trusted_org(self.my_org()?).await?;
        let to_our_key = ours.org_keys.iter().any(|k| k.fingerprint() == to_org_key);
        if named != document || to_org != ours.org_id || !to_our_key {
            return Err(bad(
                "the statement names another document, organisation or key",
            ));
        }
        Ok((from_org, envelope_sha256))
    }

    /// Opens a document into a file; returns the path written.
    pub async fn open_document<P: Progress>(
        &self,
        document: DocumentId,
        target: &OpenTarget,
        force: bool,
        progress: P,
    ) -> Result<PathBuf> {
        let opened = self
            .open_document_file(document, target, force, progress)
            .await?;
        Ok(opened.path)
    }

    /// [`Client::open_document`], answering also the file name as it was sealed.
    pub async fn open_document_file<P: Progress>(
        &self,
        document: DocumentId,
        target: &OpenTarget,
        force: bool,
        mut progress: P,
    ) -> Result<OpenedFile> {
        let (_, sealed, key, metadata) = self.inspect(document).await?;
        let path = match target {
            OpenTarget::File(path) => path.clone(),
            OpenTarget::Dir(dir) => {
                crate::private_file::create_output_dir(dir)?;
                dir.join(files::sanitise_file_name(&metadata.file_name))
            }
        };
        let dest = Destination {
            path: path.clone(),
            force,
        };
        if !force && dest.path.exists() {
            return Err(ClientError::OutputExists(path));
        }
        let expected = Expected {
            ciphertext_sha256: Some(sealed.ciphertext_sha256),
            plaintext: Some((metadata.size, metadata.sha256)),
        };
        let reader = self
            .api
            .download(&format!("/v1/documents/{document}/body"))
            .await?;
        let bridge = tokio_util::io::SyncIoBridge::new(reader);
        progress.start(metadata.size);
        tokio::task::spawn_blocking(move || {
            let result = files::open_to_file(bridge, &key, expected, &dest, |n| progress.update(n));
            progress.finish();
            result
        })
        .await
        .map_err(|_| ClientError::Invalid("opening stopped unexpectedly".into()))??;
        Ok(OpenedFile {
            path,
            sealed_name: metadata.file_name,
        })
    }

    /// Shares one document with another organisation, wrapped to its current key once that
    /// key's chain verifies and every statement it rests on is proven in the log.
    pub async fn share(&self, document: DocumentId, to: OrgId) -> Result<()> {
        self.check_log().await?;
        let org = self.my_org()?;
        let (_, _, key, _) = self.inspect(document).await?;
        let to_key = self.logged_org_key(to).await?;
        let envelope = self.make_envelope(&key, &to_key, KeyScope::Document(document), org)?;
        let statement = Statement::now(Claim::DocumentShared {
            document,
            from_org: org,
            to_org: to,
            to_org_key: to_key.fingerprint(),
            envelope_sha256: vault_core::sha256(&envelope.wrapped),
        })
        .sign(self.keystore.signing_key());
        let request = ShareRequest {
            to_org: to,
            envelope,
            statement,
        };
        let posted = self
            .api
            .post_no_answer(&format!("/v1/documents/{document}/shares"), &request)
            .await;
        if let Err(err) = posted {
            return Err(self.explain_refusal(err, document, to, 409).await);
        }
        let statements = [&request.statement, &request.envelope.statement];
        self.confirm_on_log("share", &statements).await
    }

    /// Revokes a share.
    pub async fn revoke(&self, document: DocumentId, from: OrgId) -> Result<()> {
        self.check_log().await?;
        let statement = Statement::now(Claim::ShareRevoked {
            document,
            to_org: from,
        })
        .sign(self.keystore.signing_key());
        let request = RevokeRequest { statement };
        let posted = self
            .api
            .post_no_answer(
                &format!("/v1/documents/{document}/shares/{from}/revoke"),
                &request,
            )
            .await;
        if let Err(err) = posted {
            return Err(self.explain_refusal(err, document, from, 404).await);
        }
        self.confirm_on_log("share revocation", &[&request.statement])
            .await
    }

    /// A share refused with `status` (409 on sharing, 404 on revoking), told in the owner's
    /// terms when the document's own list of shares explains it: the API's generic sentences
    /// ("conflicts with existing data", "does not exist, or your organisation cannot reach
    /// it") sent its owner looking for the wrong cause. Any other refusal, or one the list does
    /// not explain (the list itself refused: not the owner), is passed on as it came.
    async fn explain_refusal(
        &self,
        err: ClientError,
        document: DocumentId,
        org: OrgId,
        status: u16,
    ) -> ClientError {
        if !matches!(&err, ClientError::Api { status: s, .. } if *s == status) {
            return err;
        }
        let Ok(shares) = self.shares_of(document).await else {
            return err;
        };
        let has_share = shares.iter().any(|s| s.to_org == org);
        match (status, has_share) {
            (409, true) => ClientError::AlreadyShared { document, org },
            (404, false) => ClientError::NoShare { document, org },
            _ => err,
        }
    }

    /// Documents shared with our organisation.
    pub async fn shared_with_us(&self) -> Result<Vec<ShareSummary>> {
        self.api.get("/v1/shared").await
    }

    /// The organisations a document of one of our cases is shared with, including shares a
    /// previous owner made before transferring the case to us.
    pub async fn shares_of(&self, document: DocumentId) -> Result<Vec<ShareSummary>> {
        self.api
            .get(&format!("/v1/documents/{document}/shares"))
            .await
    }

    /// Writes the document key as an age identity file (mode 0600, never replacing a file),
    /// and with `body` also the verified ciphertext, so the stock `age` tool can open it.
    pub async fn export_key(
        &self,
        document: DocumentId,
        out: &Path,
        body: Option<&Path>,
    ) -> Result<()> {
        let (_, sealed, key, metadata) = self.inspect(document).await?;
        if let Some(body_path) = body {
            let reader = self
                .api
                .download(&format!("/v1/documents/{document}/body"))
                .await?;
            let bridge = tokio_util::io::SyncIoBridge::new(reader);
            let dest = Destination {
                path: body_path.to_owned(),
                force: false,
            };
            let expected = Expected {
                ciphertext_sha256: Some(sealed.ciphertext_sha256),
                plaintext: Some((metadata.size, metadata.sha256)),
            };
            let key = SecretKey::from_secret_str(secrecy::ExposeSecret::expose_secret(
                &key.expose_secret_string(),
            ))?;
            tokio::task::spawn_blocking(move || {
                files::save_ciphertext(bridge, &key, expected, &dest)
            })
            .await
            .map_err(|_| ClientError::Invalid("download stopped unexpectedly".into()))??;
        }
        let text = zeroize::Zeroizing::new(format!(
            "# document key of {document}, exported by vaultctl\n{}\n",
            secrecy::ExposeSecret::expose_secret(&key.expose_secret_string())
        ));
        crate::private_file::write_new(out, text.as_bytes())
    }
}

/// The name a file is sealed under: its last path component.
fn file_name_of(path: &Path) -> Result<String> {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| ClientError::Invalid(format!("{} is not a file", path.display())))
}

/// Refuses a file that another program wrote to while it was being sealed (its size or its
/// modification time moved): what was sealed may be neither the old nor the new content, and
/// the upload is abandoned before its manifest is signed.
fn unchanged_while_sealed(
    path: &Path,
    before: &std::fs::Metadata,
    sealed: &SealedBody,
) -> Result<()> {
    let after = std::fs::metadata(path)
        .map_err(|e| ClientError::io(format!("cannot read {}", path.display()), e))?;
    let moved = before.len() != sealed.plaintext_size
        || after.len() != sealed.plaintext_size
        || before.modified().ok() != after.modified().ok();
    if moved {
        return Err(ClientError::Invalid(format!(
            "{} changed while it was being sealed; nothing was stored: seal it again once \
             nothing is writing to it",
            path.display()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealed_of(size: u64) -> SealedBody {
        SealedBody {
            plaintext_size: size,
            plaintext_sha256: [0; 32],
            ciphertext_size: size + 200,
            ciphertext_sha256: [0; 32],
        }
    }

    #[test]
    fn a_file_that_changed_while_it_was_sealed_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("medical report.pdf");
        std::fs::write(&path, vec![7u8; 1000]).unwrap();
        let before = std::fs::metadata(&path).unwrap();
        assert!(unchanged_while_sealed(&path, &before, &sealed_of(1000)).is_ok());
        // Cut short or grown while sealing: fewer or more bytes sealed than were there.
        assert!(unchanged_while_sealed(&path, &before, &sealed_of(600)).is_err());
        std::fs::write(&path, vec![7u8; 1500]).unwrap();
        let err = unchanged_while_sealed(&path, &before, &sealed_of(1000)).unwrap_err();
        assert!(
            err.to_string()
                .contains("changed while it was being sealed; nothing was stored"),
            "{err}"
        );
    }
}
