//! Approving a pending web account: staff get a role, a family may get one of the
//! organisation's family profiles that has no account yet. One transaction writes the new
//! standing, the profile's account, the person's notification, the audit row and the
//! activity entries.

use axum::extract::State;
use serde::Deserialize;
use vault_core::ids::{FamilyProfileId, OrgId, UserId};

use super::{free_profiles, person_answer, record, set_status, web_account, Person};
use crate::db::{now, Tx};
use crate::state::AppState;
use crate::web::activity::{self, Entry, Subject};
use crate::web::form::{Form, Id};
use crate::web::notify;
use crate::web::page::{see_other, FieldErrors, PageError, PageResult};
use crate::web::session::Viewer;

/// The approval form: a role for staff, an optional profile for a family.
#[derive(Deserialize)]
pub(super) struct ApproveForm {
    #[serde(default)]
    role: String,
    #[serde(default)]
    profile: String,
}

/// What an approval will do, once its fields are checked.
struct Approval {
    role: Option<&'static str>,
    profile: Option<FamilyProfileId>,
    summary: String,
}

async fn check_approval(
    state: &AppState,
    org: OrgId,
    p: &Person,
    form: &ApproveForm,
) -> PageResult<Result<Approval, FieldErrors>> {
    let mut errors = FieldErrors::new();
    if p.kind == "staff" {
        let role = match form.role.as_str() {
            "practitioner" => "practitioner",
            "manager" => "manager",
            _ => {
                errors.add("role", "Choose practitioner or manager.");
                return Ok(Err(errors));
            }
        };
        let summary = format!("approved {} as a {role}", p.name);
        return Ok(Ok(Approval {
            role: Some(role),
            profile: None,
            summary,
        }));
    }
    let chosen = form.profile.trim();
    let profile = if chosen.is_empty() {
        None
    } else {
        let free = free_profiles(state, org).await?;
        let found = free.iter().find(|f| f.id == chosen).map(|f| f.id.parse());
        let Some(Ok(id)) = found else {
            errors.add(
                "profile",
                "Choose one of your organisation's family profiles without an account, or none.",
            );
            return Ok(Err(errors));
        };
        Some(id)
    };
    let summary = format!("approved {} as an adopter or foster carer", p.name);
    Ok(Ok(Approval {
        role: None,
        profile,
        summary,
    }))
}

#[tracing::instrument(
    name = "POST /members/{id}/approve",
    skip_all,
    fields(user.id = %viewer.user_id),
)]
pub(super) async fn approve(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(user): Id<UserId>,
    Form(form): Form<ApproveForm>,
) -> PageResult {
    let (org, p) = web_account(&state, &viewer, user, "pending").await?;
    let approval = match check_approval(&state, org, &p, &form).await? {
        Ok(approval) => approval,
        Err(errors) => {
            return person_answer(
                &state,
                &viewer,
                p,
                Some((&form.role, &form.profile)),
                errors,
            )
            .await
        }
    };
    let mut tx = state.db.begin().await?;
    set_status(&mut tx, org, user, "pending", "active", approval.role).await?;
    if let Some(profile) = approval.profile {
        attach_profile(&mut tx, &viewer, org, profile, user, &p.name).await?;
    }
    let org_name = viewer.org_name.clone().unwrap_or_default();
    let text = format!("Your registration with {org_name} was approved: welcome.");
    notify::tell(&mut tx, &state, &[user], &text, "/dashboard").await?;
    record(
        &mut tx,
        &viewer,
        org,
        user,
        "user.approved",
        &approval.summary,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(member.id = %user, "web account approved");
    Ok(see_other("/members"))
}

async fn attach_profile(
    tx: &mut Tx,
    viewer: &Viewer,
    org: OrgId,
    profile: FamilyProfileId,
    user: UserId,
    name: &str,
) -> PageResult<()> {
    let done = sqlx::query(
        "UPDATE family_profiles SET account_user_id = $1, updated_at = $2 \
         WHERE id = $3 AND org_id = $4 AND account_user_id IS NULL",
    )
    .bind(user.to_string())
    .bind(now())
    .bind(profile.to_string())
    .bind(org.to_string())
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(PageError::Conflict(
            "that family profile was given an account meanwhile",
        ));
    }
    let summary = format!("gave {name} their own account on this profile");
    let entry = Entry {
        actor: Some(viewer.user_id),
        org_id: org,
        other_org_id: None,
        subject: Subject::Family,
        subject_id: profile.to_string(),
        summary: &summary,
    };
    activity::record(tx, entry).await?;
    Ok(())
}
