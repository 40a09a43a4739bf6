//! Closing a waiting transfer offer without applying it: the sending manager withdraws it, or
//! the receiving manager declines it. Either frees the case for a new offer.
//!
//! An offer carries the case's documents re-wrapped to a new case key, so a document sealed
//! into the case while the offer waits would make it impossible to accept. Uploads are refused
//! while an offer waits ([`no_offer_waiting`]). A key rotation of the receiving organisation is
//! not refused, although it also spoils the offer: nobody outside an organisation may hold up
//! the removal of one of its members, and the receiver can decline and ask for a new offer.
//!
//! Withdrawing or declining grants nothing and changes no key, so it needs no signed statement;
//! the audit record says who closed the offer.

use axum::extract::State;
use axum::http::StatusCode;
use vault_core::ids::{CaseId, TransferId};

use crate::auth::Caller;
use crate::db::audit::{self, Logged};
use crate::db::codec::parse;
use crate::error::{ApiError, ApiPath, ApiResult};
use crate::routes::transfers::event;
use crate::state::AppState;

/// The refusal of a change to a case that a waiting offer would no longer fit.
pub const OFFER_WAITING: ApiError = ApiError::Conflict(
    "the case has a transfer offer waiting; withdraw it or wait for the receiving organisation",
);

/// Refuses with [`OFFER_WAITING`] if an offer of `case` is waiting. Called inside the write
/// transaction that changes the case, so no offer can slip in between the check and the change.
pub async fn no_offer_waiting(conn: &mut sqlx::AnyConnection, case: CaseId) -> ApiResult<()> {
    let waiting: Option<(String,)> =
        sqlx::query_as("SELECT id FROM transfers WHERE case_id = $1 AND status = 'offered'")
            .bind(case.to_string())
            .fetch_optional(conn)
            .await?;
    match waiting {
        Some(_) => Err(OFFER_WAITING),
        None => Ok(()),
    }
}

/// Which side of an offer closes it, and how the outcome is recorded.
#[derive(Clone, Copy)]
enum Side {
    /// The sending organisation withdraws its offer.
    Sender,
    /// The receiving organisation declines it.
    Receiver,
}

impl Side {
    /// The column naming the caller's organisation; the other side's offers are not found.
    fn org_column(self) -> &'static str {
        match self {
            Self::Sender => "from_org",
            Self::Receiver => "to_org",
        }
    }

    fn status(self) -> &'static str {
        match self {
            Self::Sender => "withdrawn",
            Self::Receiver => "declined",
        }
    }

    fn action(self) -> &'static str {
        match self {
            Self::Sender => "case.transfer_withdrawn",
            Self::Receiver => "case.transfer_declined",
        }
    }
}

/// `POST /v1/transfers/{transfer_id}/withdraw` (manager of the sending organisation).
#[tracing::instrument(
    name = "POST /v1/transfers/{transfer_id}/withdraw",
    skip_all,
    fields(user.id = %caller.user_id, transfer.id = %transfer_id),
)]
pub async fn withdraw(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(transfer_id): ApiPath<TransferId>,
) -> ApiResult<StatusCode> {
    close(&state, &caller, transfer_id, Side::Sender).await
}

/// `POST /v1/transfers/{transfer_id}/decline` (manager of the receiving organisation).
#[tracing::instrument(
    name = "POST /v1/transfers/{transfer_id}/decline",
    skip_all,
    fields(user.id = %caller.user_id, transfer.id = %transfer_id),
)]
pub async fn decline(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(transfer_id): ApiPath<TransferId>,
) -> ApiResult<StatusCode> {
    close(&state, &caller, transfer_id, Side::Receiver).await
}

/// Closes a waiting offer from `side`: 404 unless the caller's organisation is on that side,
/// 409 unless the offer still waits.
async fn close(
    state: &AppState,
    caller: &Caller,
    transfer_id: TransferId,
    side: Side,
) -> ApiResult<StatusCode> {
    let manager = caller.manager()?;
    let mut tx = state.db.begin().await?;
    let (case_id, status): (String, String) = sqlx::query_as(&format!(
        "SELECT case_id, status FROM transfers WHERE id = $1 AND {} = $2",
        side.org_column()
    ))
    .bind(transfer_id.to_string())
    .bind(manager.org_id.to_string())
    .fetch_one(&mut *tx)
    .await?;
    if status != "offered" {
        return Err(ApiError::Conflict(
            "the transfer offer is no longer waiting: it was accepted, withdrawn or declined",
        ));
    }
    sqlx::query("UPDATE transfers SET status = $1 WHERE id = $2 AND status = 'offered'")
        .bind(side.status())
        .bind(transfer_id.to_string())
        .execute(&mut *tx)
        .await?;
    let case_id: CaseId = parse(&case_id)?;
    // The receiver loses the keys the offer wrapped to it: logged, though nothing was signed.
    let closed = event(&manager, transfer_id, case_id, side.action());
    audit::record_logged(&mut tx, closed, Logged::default()).await?;
    tx.commit().await?;
    tracing::info!(case.id = %case_id, outcome = side.status(), "transfer offer closed");
    Ok(StatusCode::NO_CONTENT)
}
