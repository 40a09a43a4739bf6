//! Organisations and their people, rebuilt as the live routes log them: creation, founding,
//! key rotations, registrations, approvals with member envelopes, and removals.

use std::collections::HashMap;

use vault_core::api::Envelope;
use vault_core::ids::{OrgId, UserId};
use vault_core::keys::VerifyingKey;
use vault_core::leaf::PublishedKeys;
use vault_core::statement::SignedStatement;

use super::{leaf, rank, signed, Backfill, Head};
use crate::db::codec::{from_json, parse, pk_parse, vk_parse};
use crate::db::Tx;
use crate::error::ApiResult;

/// A member row.
struct MemberRow {
    id: UserId,
    org: OrgId,
    removed: bool,
    keys: PublishedKeys,
    certificate: Option<SignedStatement>,
    created_at: i64,
}

type UserRow = (String, String, String, String, String, Option<String>, i64);

impl Backfill {
    /// `org.created` for every organisation; `org.founded` and `org.key_rotated` for every
    /// organisation key version.
    pub(super) async fn orgs(&mut self, tx: &mut Tx) -> ApiResult<()> {
        let orgs: Vec<(String, i64)> =
            sqlx::query_as("SELECT id, created_at FROM orgs ORDER BY created_at, id")
                .fetch_all(&mut **tx)
                .await?;
        for (id, created_at) in orgs {
            let audited = self.audited("org.created", &id, 0);
            let head = self.head(audited, created_at, None);
            let at = self.push(&head, audited, rank::ORG_CREATED, 0);
            self.actions[at].leaves.push(leaf(&head, "org.created", id));
        }
        let keys: Vec<(String, i64, String, String, i64)> = sqlx::query_as(
            "SELECT org_id, version, public_key, statement, created_at FROM org_keys \
             ORDER BY org_id, version",
        )
        .fetch_all(&mut **tx)
        .await?;
        for (org, version, key, statement, created_at) in keys {
            let org_id: OrgId = parse(&org)?;
            let version = u32::try_from(version).map_err(crate::error::ApiError::internal)?;
            self.org_keys
                .insert((org_id, version), pk_parse(&key)?.fingerprint());
            let statement: SignedStatement = from_json(&statement)?;
            if version == 1 {
                self.founding(tx, org_id, statement, created_at).await?;
            } else {
                self.rotation(org_id, version, statement, created_at);
            }
        }
        Ok(())
    }

    async fn founding(
        &mut self,
        tx: &mut Tx,
        org: OrgId,
        statement: SignedStatement,
        created_at: i64,
    ) -> ApiResult<()> {
        let (root,): (Option<String>,) =
            sqlx::query_as("SELECT root_signing_key FROM orgs WHERE id = $1")
                .bind(org.to_string())
                .fetch_one(&mut **tx)
                .await?;
        let audited = self.audited("org.founded", &org.to_string(), 0);
        let head = Head {
            org: Some(org),
            ..self.head(audited, created_at, None)
        };
        let at = self.push(&head, audited, rank::FOUNDED, 0);
        let keys = PublishedKeys {
            root_signing_key: root.as_deref().map(vk_parse).transpose()?,
            ..PublishedKeys::default()
        };
        let founded = signed(&head, "org.founded", "org", org.to_string(), statement);
        self.actions[at].leaves.push(vault_core::leaf::LogLeaf {
            keys: Some(keys),
            ..founded
        });
        self.founded.insert(org, at);
        Ok(())
    }

    fn rotation(&mut self, org: OrgId, version: u32, statement: SignedStatement, time: i64) {
        let nth = usize::try_from(version - 2).unwrap_or(usize::MAX);
        let audited = self.audited("org.key_rotated", &org.to_string(), nth);
        let signer = statement.signer;
        let head = Head {
            org: Some(org),
            ..self.head(audited, time, Some(&signer))
        };
        let at = self.push(&head, audited, rank::ROTATED, 0);
        let rotated = signed(&head, "org.key_rotated", "org", org.to_string(), statement);
        self.actions[at].leaves.push(rotated);
        self.rotations.insert((org, version), (at, signer));
    }

    /// Every member's registration, certificate, member envelope and removal.
    pub(super) async fn members(&mut self, tx: &mut Tx) -> ApiResult<()> {
        let rows: Vec<UserRow> = sqlx::query_as(
            "SELECT id, org_id, status, encryption_key, signing_key, certificate, created_at \
             FROM users WHERE kind = 'member' ORDER BY created_at, id",
        )
        .fetch_all(&mut **tx)
        .await?;
        let mut members = Vec::with_capacity(rows.len());
        for (id, org, status, enc, sign, cert, created_at) in rows {
            members.push(MemberRow {
                id: parse(&id)?,
                org: parse(&org)?,
                removed: status == "removed",
                keys: PublishedKeys {
                    encryption_key: Some(pk_parse(&enc)?),
                    signing_key: Some(vk_parse(&sign)?),
                    ..PublishedKeys::default()
                },
                certificate: cert.as_deref().map(from_json).transpose()?,
                created_at,
            });
        }
        let envelopes: Vec<(String, String)> =
            sqlx::query_as("SELECT user_id, envelope FROM member_envelopes")
                .fetch_all(&mut **tx)
                .await?;
        let mut envelopes: HashMap<UserId, Envelope> = envelopes
            .iter()
            .map(|(user, env)| Ok((parse(user)?, from_json(env)?)))
            .collect::<ApiResult<_>>()?;
        let approved = self.approvals(&members);
        for m in &members {
            let envelope = envelopes.remove(&m.id);
            self.member(m, approved.get(&m.id).copied(), envelope.as_ref());
        }
        Ok(())
    }

    /// When each certified member was approved, and how many certificates separate them
    /// from the root: no earlier than their registration nor their certifier's approval.
    fn approvals(&self, members: &[MemberRow]) -> HashMap<UserId, (i64, u32)> {
        let by_key: HashMap<VerifyingKey, &MemberRow> = members
            .iter()
            .filter_map(|m| m.keys.signing_key.map(|k| (k, m)))
            .collect();
        let mut done: HashMap<UserId, (i64, u32)> = HashMap::new();
        for _ in 0..=members.len() {
            for m in members {
                let Some(cert) = m.certificate.as_ref().filter(|_| !done.contains_key(&m.id))
                else {
                    continue;
                };
                let audited = self.audited("member.approved", &m.id.to_string(), 0);
                let signer = by_key.get(&cert.signer).map(|s| s.id);
                let parent = match signer {
                    Some(s) if s != m.id => match done.get(&s) {
                        Some(p) => Some(*p),
                        None => continue,
                    },
                    _ => None,
                };
                let (after, depth) = parent.map_or((m.created_at, 0), |(t, d)| (t, d + 1));
                let time = audited.map_or(m.created_at.max(after), |a| a.at);
                done.insert(m.id, (time, depth));
            }
        }
        done
    }

    fn member(&mut self, m: &MemberRow, approved: Option<(i64, u32)>, env: Option<&Envelope>) {
        let founder = self.founded.get(&m.org).copied().filter(|at| {
            let founding = &self.actions[*at].leaves;
            let root = founding[0].keys.as_ref().and_then(|k| k.root_signing_key);
            founding.len() == 1 && m.certificate.as_ref().map(|c| c.signer) == root
        });
        let id = m.id.to_string();
        let registered = if let Some(at) = founder {
            let first = &mut self.actions[at].leaves[0];
            first.actor = first.actor.or(Some(m.id));
            at
        } else {
            let audited = self.audited("user.registered", &id, 0);
            let head = Head {
                actor: Some(m.id),
                org: Some(m.org),
                ..self.head(audited, m.created_at, None)
            };
            self.push(&head, audited, rank::REGISTERED, 0)
        };
        let certified = match (&m.certificate, founder) {
            (Some(cert), Some(at)) => {
                self.registration(at, m, Some(cert.clone()));
                Some(at)
            }
            (cert, _) => {
                self.registration(registered, m, None);
                cert.as_ref()
                    .map(|c| self.approval(m, c, approved.unwrap_or((m.created_at, 0))))
            }
        };
        if let (Some(at), Some(env)) = (certified, env) {
            let at = self.place(m.org, env.key, env, at);
            self.wrap(at, env);
        }
        if m.removed {
            self.removal(m, approved.map_or(m.created_at, |(t, _)| t));
        }
    }

    /// The `user.registered` leaf, with the founder's certificate when there is one.
    fn registration(&mut self, at: usize, m: &MemberRow, cert: Option<SignedStatement>) {
        let head = Head {
            time: self.actions[at].order.0,
            actor: Some(m.id),
            org: Some(m.org),
            case: None,
        };
        let registered = vault_core::leaf::LogLeaf {
            object_kind: "user".to_owned(),
            statement: cert,
            keys: Some(m.keys.clone()),
            ..leaf(&head, "user.registered", m.id.to_string())
        };
        self.actions[at].leaves.push(registered);
    }

    fn approval(
        &mut self,
        m: &MemberRow,
        cert: &SignedStatement,
        (time, depth): (i64, u32),
    ) -> usize {
        let audited = self.audited("member.approved", &m.id.to_string(), 0);
        let head = Head {
            time,
            org: Some(m.org),
            ..self.head(audited, time, Some(&cert.signer))
        };
        let at = self.push(&head, audited, rank::APPROVED, depth);
        let leaf = signed(
            &head,
            "member.approved",
            "user",
            m.id.to_string(),
            cert.clone(),
        );
        self.actions[at].leaves.push(leaf);
        at
    }

    /// `member.removed`, without the removal statement: the database never stored it.
    fn removal(&mut self, m: &MemberRow, approved: i64) {
        let audited = self.audited("member.removed", &m.id.to_string(), 0);
        let last_rotation = self
            .rotations
            .iter()
            .filter(|((org, _), _)| *org == m.org)
            .map(|(_, (at, _))| self.actions[*at].order.0)
            .max();
        let time = last_rotation.unwrap_or(approved).max(approved);
        let head = Head {
            org: Some(m.org),
            ..self.head(audited, time, None)
        };
        let at = self.push(&head, audited, rank::REMOVED, 0);
        let removed = vault_core::leaf::LogLeaf {
            object_kind: "user".to_owned(),
            ..leaf(&head, "member.removed", m.id.to_string())
        };
        self.actions[at].leaves.push(removed);
    }
}
