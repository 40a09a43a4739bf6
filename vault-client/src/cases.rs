//! Cases: create, list, show, and transfer to another organisation (offer, then accept,
//! decline or withdraw).
//!
//! A transfer rotates the case key: the sending manager's client makes a fresh case key,
//! re-wraps every document key to it and wraps it to the receiving organisation's verified
//! current key. The receiving manager's client accepts only an offer signed by a certified
//! manager of the sending organisation whose case envelope is addressed to its own current key.

use vault_core::api::{
    AcceptTransferRequest, AccessPath, CaseDetail, CaseSummary, CreateCaseRequest, DocumentAccess,
    DocumentEnvelope, TransferOffer, TransferStatus, TransferSummary,
};
use vault_core::ids::{CaseId, OrgId, TransferId};
use vault_core::keys::{Fingerprint, SecretKey};
use vault_core::statement::{Claim, KeyScope, Role, Statement};

use crate::client::Client;
use crate::error::{ClientError, Result};

/// Which side of a transfer our organisation must be on.
#[derive(Clone, Copy)]
enum Side {
    /// It made the offer.
    Sending,
    /// The offer is addressed to it.
    Receiving,
}

impl Client {
    /// Creates a case owned by our organisation; its key is wrapped to the organisation key,
    /// once that key's chain verifies and is proven in the log.
    pub async fn create_case(&self, reference: &str) -> Result<CaseId> {
        self.check_log().await?;
        let org = self.my_org()?;
        let org_key = self.logged_org_key(org).await?;
        let case_id = CaseId::new();
        let case_key = SecretKey::generate();
        let envelope = self.make_envelope(&case_key, &org_key, KeyScope::Case(case_id), org)?;
        let request = CreateCaseRequest {
            case_id,
            reference: reference.to_owned(),
            case_key: case_key.public_key(),
            envelope,
        };
        self.api.post_no_answer("/v1/cases", &request).await?;
        self.confirm_on_log("case create", &[&request.envelope.statement])
            .await?;
        Ok(case_id)
    }

    /// Cases our organisation owns.
    pub async fn list_cases(&self) -> Result<Vec<CaseSummary>> {
        self.api.get("/v1/cases").await
    }

    /// One case with its documents (as stored; see [`Client::list_documents`] for checks).
    pub async fn show_case(&self, case: CaseId) -> Result<CaseDetail> {
        self.api.get(&format!("/v1/cases/{case}")).await
    }

    /// Unwraps a case's key after checking its envelope, and that it is the listed case key.
    pub(crate) async fn case_key(
        &self,
        detail: &CaseDetail,
        org_key: &SecretKey,
    ) -> Result<SecretKey> {
        let scope = KeyScope::Case(detail.case.case_id);
        let allowed = self.case_wrappers(detail.case.case_id).await?;
        let key = self
            .open_envelope(&detail.envelope, scope, org_key, &allowed)
            .await?;
        if key.public_key() != detail.case.case_key {
            return Err(ClientError::NotGenuine(format!(
                "case {}'s listed key is not the key its envelope holds",
                detail.case.case_id
            )));
        }
        Ok(key)
    }

    /// Offers a case to another organisation (manager); returns the transfer id.
    pub async fn transfer_case(&self, case: CaseId, to: OrgId) -> Result<TransferId> {
        self.check_log().await?;
        let org = self.my_org()?;
        let detail = self.show_case(case).await?;
        let org_key = self.org_key().await?;
        let case_key = self.case_key(&detail, &org_key).await?;
        let new_case_key = SecretKey::generate();
        let new_public = new_case_key.public_key();
        let mut document_envelopes = Vec::with_capacity(detail.documents.len());
        let allowed = self.case_wrappers(case).await?;
        for doc in &detail.documents {
            let sealed = self.check_document(doc).await?;
            let access: DocumentAccess = self
                .api
                .get(&format!("/v1/documents/{}", doc.document_id))
                .await?;
            let AccessPath::Case {
                document_envelope, ..
            } = access.path
            else {
                return Err(ClientError::Invalid(format!(
                    "document {} is not reachable through the case",
                    doc.document_id
                )));
            };
            let scope = KeyScope::Document(doc.document_id);
            let doc_key = self
                .open_envelope(&document_envelope, scope, &case_key, &allowed)
                .await?;
            if doc_key.fingerprint() != sealed.document_key {
                return Err(ClientError::NotGenuine(format!(
                    "document {}'s key is not the one it was sealed to",
                    doc.document_id
                )));
            }
            let envelope = self.make_envelope(&doc_key, &new_public, scope, org)?;
            document_envelopes.push(DocumentEnvelope {
                document_id: doc.document_id,
                envelope,
            });
        }
        // Fetched afresh, not from this session's cache: an offer to a key the receiver has
        // since replaced could only be declined.
        let to_key = self.logged_org_key(to).await?;
        let case_envelope =
            self.make_envelope(&new_case_key, &to_key, KeyScope::Case(case), org)?;
        let statement = Statement::now(Claim::CaseTransferred {
            case,
            from_org: org,
            to_org: to,
            to_org_key: to_key.fingerprint(),
            new_case_key: new_case_key.fingerprint(),
            documents: document_envelopes.len() as u64,
        })
        .sign(self.keystore.signing_key());
        let transfer_id = TransferId::new();
        let offer = TransferOffer {
            transfer_id,
            to_org: to,
            new_case_key: new_public,
            case_envelope,
            document_envelopes,
            statement,
        };
        self.api
            .post_no_answer(&format!("/v1/cases/{case}/transfers"), &offer)
            .await?;
        let mut statements = vec![&offer.statement, &offer.case_envelope.statement];
        statements.extend(
            offer
                .document_envelopes
                .iter()
                .map(|d| &d.envelope.statement),
        );
        self.confirm_on_log("transfer offer", &statements).await?;
        Ok(transfer_id)
    }

    /// Transfers offered by or to our organisation.
    pub async fn list_transfers(&self) -> Result<Vec<TransferSummary>> {
        self.api.get("/v1/transfers").await
    }

    /// Accepts a transfer offered to our organisation (manager), after checking the offer.
    pub async fn accept_transfer(&self, transfer: TransferId) -> Result<CaseId> {
        self.accept_transfer_expecting(transfer, None).await
    }

    /// [`Client::accept_transfer`], but with `expect` the sending organisation's root key must
    /// have that fingerprint, checked before anything is pinned or accepted.
    pub async fn accept_transfer_expecting(
        &self,
        transfer: TransferId,
        expect: Option<Fingerprint>,
    ) -> Result<CaseId> {
        self.check_log().await?;
        self.require_manager("accept a transfer").await?;
        let offer = self.waiting_offer(transfer, Side::Receiving).await?;
        if expect.is_some() {
            self.fetch_directory(offer.from_org, expect).await?;
        }
        let statement = self.check_offer(&offer).await?;
        let request = AcceptTransferRequest {
            statement: Statement::now(statement).sign(self.keystore.signing_key()),
        };
        let path = format!("/v1/transfers/{transfer}/accept");
        let accepted = match self.api.post_no_answer(&path, &request).await {
            // The offer waited a moment ago, so it no longer fits the case or our key.
            Err(ClientError::Api {
                status: 409,
                message,
                ..
            }) => Err(ClientError::Invalid(format!(
                "the server refused the offer: {message}. It can no longer be accepted: decline \
                 it with `vaultctl case decline {transfer}` and ask the sending organisation \
                 for a new offer"
            ))),
            other => other.map(|()| offer.case_id),
        }?;
        self.confirm_on_log("transfer acceptance", &[&request.statement])
            .await?;
        Ok(accepted)
    }

    /// Withdraws a waiting offer our organisation made (manager); returns the case, which can
    /// then take documents and be offered again.
    pub async fn withdraw_transfer(&self, transfer: TransferId) -> Result<CaseId> {
        self.close_offer(transfer, Side::Sending, "withdraw").await
    }

    /// Declines a waiting offer made to our organisation (manager); returns the case.
    pub async fn decline_transfer(&self, transfer: TransferId) -> Result<CaseId> {
        self.close_offer(transfer, Side::Receiving, "decline").await
    }

    /// Withdrawal and decline carry no signed statement, so there is no leaf of ours to look
    /// up afterwards; the log is checked to have moved on consistently all the same.
    async fn close_offer(&self, transfer: TransferId, side: Side, how: &str) -> Result<CaseId> {
        self.check_log().await?;
        let offer = self.waiting_offer(transfer, side).await?;
        let path = format!("/v1/transfers/{transfer}/{how}");
        self.api
            .post_no_answer(&path, &serde_json::json!({}))
            .await?;
        self.check_log().await?;
        Ok(offer.case_id)
    }

    /// The listed transfer `transfer`, if it waits and our organisation is on `side` of it.
    async fn waiting_offer(&self, transfer: TransferId, side: Side) -> Result<TransferSummary> {
        let org = self.my_org()?;
        let offer = self
            .list_transfers()
            .await?
            .into_iter()
            .find(|t| t.transfer_id == transfer)
            .ok_or_else(|| {
                ClientError::Invalid(format!(
                    "no transfer {transfer} is offered by or to your organisation"
                ))
            })?;
        let ours = match side {
            Side::Sending => offer.from_org == org,
            Side::Receiving => offer.to_org == org,
        };
        if !ours {
            let what = match side {
                Side::Sending => "made by your organisation",
                Side::Receiving => "addressed to your organisation",
            };
            return Err(ClientError::Invalid(format!(
                "transfer {transfer} is not {what}"
            )));
        }
        if offer.status != TransferStatus::Offered {
            let status = serde_json::json!(offer.status);
            return Err(ClientError::Invalid(format!(
                "transfer {transfer} no longer waits: it was {}",
                status.as_str().unwrap_or("closed")
            )));
        }
        Ok(offer)
    }

    /// Verifies an offer and returns the `transfer-accepted` claim to sign.
    async fn check_offer(&self, offer: &TransferSummary) -> Result<Claim> {
        let bad =
            |why: &str| ClientError::NotGenuine(format!("transfer {}: {why}", offer.transfer_id));
        let sender = self.trusted_org(offer.from_org).await?;
        let (statement, signer) = sender.check(&offer.statement)?;
        if signer.role != Role::Manager || !signer.active {
            return Err(bad(
                "not offered by an active manager of the sending organisation",
            ));
        }
        let Claim::CaseTransferred {
            case,
            from_org,
            to_org,
            to_org_key,
            new_case_key,
            ..
        } = statement.claim
        else {
            return Err(bad("the offer carries no case-transferred statement"));
        };
        let receiver = self.trusted_org(offer.to_org).await?;
        let ours = receiver.current_org_key().fingerprint();
        if case != offer.case_id
            || from_org != offer.from_org
            || to_org != offer.to_org
            || new_case_key != offer.new_case_key.fingerprint()
        {
            return Err(bad(
                "the signed offer names another case, organisation or key",
            ));
        }
        let earlier = receiver
            .org_keys
            .iter()
            .any(|k| k.fingerprint() == to_org_key);
        if to_org_key != ours && earlier {
            // Our own verified key history: the offer is honest but stale, not forged.
            return Err(ClientError::Invalid(format!(
                "transfer {} was made for an earlier key of your organisation, replaced since \
                 (a member was removed); decline it with `vaultctl case decline {}` and ask the \
                 sending organisation for a new offer",
                offer.transfer_id, offer.transfer_id
            )));
        }
        if to_org_key != ours || offer.case_envelope.recipient != ours {
            return Err(bad(
                "the case key is not wrapped to our current organisation key",
            ));
        }
        sender.check_envelope(&offer.case_envelope, KeyScope::Case(case))?;
        if offer.case_envelope.key != new_case_key {
            return Err(bad("the case envelope holds another key"));
        }
        // Prove the new case key really opens with our organisation key before we take it.
        let org_key = self.org_key().await?;
        SecretKey::unwrap(&offer.case_envelope.wrapped, &[&org_key], new_case_key)?;
        Ok(Claim::TransferAccepted {
            case,
            from_org,
            to_org,
            new_case_key,
        })
    }
}
