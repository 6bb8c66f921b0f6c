//! Escalation policies as stored, the monitors that use them, and acknowledgement of
//! incidents (which ends a policy's escalation).

use std::collections::BTreeSet;

use flatline_types::{DeliveryStatus, EscalationStep};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};

use crate::entities::{deliveries, escalation_policies, incidents, monitors};
use crate::{Store, StoreError, StoreResult};

/// A policy as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredPolicy {
    pub id: i64,
    pub name: String,
    pub steps: Vec<EscalationStep>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

pub(crate) fn decode(m: escalation_policies::Model) -> StoreResult<StoredPolicy> {
    let steps = serde_json::from_str(&m.steps)
        .map_err(|e| StoreError::Corrupt(format!("escalation policy {}: {e}", m.id)))?;
    Ok(StoredPolicy {
        id: m.id,
        name: m.name,
        steps,
        created_at_ms: m.created_at,
        updated_at_ms: m.updated_at,
    })
}

/// How an acknowledgement went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AckOutcome {
    /// Recorded now; the incident as it is now.
    Acknowledged(incidents::Model),
    /// Somebody was first; the incident as it is.
    Already(incidents::Model),
    /// The incident is over.
    Resolved(incidents::Model),
    NotFound,
}

/// Who acknowledges, and how.
#[derive(Clone, Debug)]
pub struct Ack {
    pub by: String,
    /// `api`, `ui` or `link`.
    pub via: &'static str,
    pub note: Option<String>,
}

impl Store {
    /// Every policy, oldest first.
    pub async fn list_policies(&self) -> StoreResult<Vec<StoredPolicy>> {
        escalation_policies::Entity::find()
            .order_by_asc(escalation_policies::Column::Id)
            .all(&self.read)
            .await?
            .into_iter()
            .map(decode)
            .collect()
    }

    /// One policy.
    pub async fn get_policy(&self, id: i64) -> StoreResult<Option<StoredPolicy>> {
        escalation_policies::Entity::find_by_id(id)
            .one(&self.write)
            .await?
            .map(decode)
            .transpose()
    }

    /// Stores a new policy (its channels checked to exist by the caller).
    pub async fn insert_policy(
        &self,
        name: &str,
        steps: &[EscalationStep],
        now_ms: i64,
    ) -> StoreResult<StoredPolicy> {
        let am = escalation_policies::ActiveModel {
            name: Set(name.to_owned()),
            steps: Set(serde_json::to_string(steps).unwrap_or_default()),
            created_at: Set(now_ms),
            updated_at: Set(now_ms),
            ..Default::default()
        };
        decode(am.insert(&self.write).await?)
    }

    /// Replaces a policy's name and steps; `None` if there is no such policy. Incidents
    /// open now keep the steps they were queued with.
    pub async fn update_policy(
        &self,
        id: i64,
        name: &str,
        steps: &[EscalationStep],
        now_ms: i64,
    ) -> StoreResult<Option<StoredPolicy>> {
        let Some(found) = escalation_policies::Entity::find_by_id(id)
            .one(&self.write)
            .await?
        else {
            return Ok(None);
        };
        let mut am: escalation_policies::ActiveModel = found.into();
        am.name = Set(name.to_owned());
        am.steps = Set(serde_json::to_string(steps).unwrap_or_default());
        am.updated_at = Set(now_ms);
        decode(am.update(&self.write).await?).map(Some)
    }

    /// Deletes a policy no monitor uses; `InUse` names the monitors that do. False if there
    /// was no such policy.
    pub async fn delete_policy(&self, id: i64) -> StoreResult<bool> {
        let txn = self.write.begin().await?;
        let users = policy_monitors(&txn, id).await?;
        if !users.is_empty() {
            return Err(StoreError::InUse(format!(
                "escalation policy {id} is used by monitor(s) {}; detach it from them first",
                join_ids(&users)
            )));
        }
        let res = escalation_policies::Entity::delete_by_id(id)
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(res.rows_affected > 0)
    }

    /// The monitors using each policy.
    pub async fn policy_monitors(&self, id: i64) -> StoreResult<Vec<i64>> {
        policy_monitors(&self.read, id).await
    }

    /// Acknowledges an open incident once: the first to ask is recorded, and the later
    /// steps of its escalation still waiting are cancelled (in one transaction).
    pub async fn acknowledge(
        &self,
        incident_id: i64,
        ack: &Ack,
        now_ms: i64,
    ) -> StoreResult<AckOutcome> {
        let txn = self.write.begin().await?;
        let done = incidents::Entity::update_many()
            .col_expr(incidents::Column::AcknowledgedAt, Expr::value(now_ms))
            .col_expr(
                incidents::Column::AcknowledgedBy,
                Expr::value(ack.by.clone()),
            )
            .col_expr(incidents::Column::AcknowledgedVia, Expr::value(ack.via))
            .col_expr(incidents::Column::AckNote, Expr::value(ack.note.clone()))
            .filter(incidents::Column::Id.eq(incident_id))
            .filter(incidents::Column::ResolvedAt.is_null())
            .filter(incidents::Column::AcknowledgedAt.is_null())
            .exec(&txn)
            .await?;
        let Some(incident) = incidents::Entity::find_by_id(incident_id).one(&txn).await? else {
            return Ok(AckOutcome::NotFound);
        };
        if done.rows_affected == 0 {
            return Ok(if incident.acknowledged_at.is_some() {
                AckOutcome::Already(incident)
            } else {
                AckOutcome::Resolved(incident)
            });
        }
        let key = down_key(incident.monitor_id, incident.started_at);
        cancel_waiting_steps(&txn, incident.monitor_id, &key, now_ms).await?;
        txn.commit().await?;
        Ok(AckOutcome::Acknowledged(incident))
    }
}

/// The outbox key of the down that opened a monitor's incident started at `started_ms`.
pub fn down_key(monitor_id: i64, started_ms: i64) -> String {
    format!("down:{monitor_id}:{started_ms}")
}

/// Cancels the escalation steps queued under a down's `key` that have not been attempted
/// yet.
pub(crate) async fn cancel_waiting_steps<C: sea_orm::ConnectionTrait>(
    db: &C,
    monitor_id: i64,
    key: &str,
    now_ms: i64,
) -> StoreResult<u64> {
    let done = deliveries::Entity::update_many()
        .col_expr(
            deliveries::Column::Status,
            Expr::value(DeliveryStatus::Cancelled.as_str()),
        )
        .col_expr(deliveries::Column::UpdatedAt, Expr::value(now_ms))
        .filter(deliveries::Column::MonitorId.eq(monitor_id))
        .filter(deliveries::Column::EventKey.eq(key))
        .filter(deliveries::Column::Step.is_not_null())
        .filter(deliveries::Column::Status.eq(DeliveryStatus::Pending.as_str()))
        .filter(deliveries::Column::Attempts.eq(0))
        .exec(db)
        .await?;
    Ok(done.rows_affected)
}

async fn policy_monitors<C: sea_orm::ConnectionTrait>(db: &C, id: i64) -> StoreResult<Vec<i64>> {
    Ok(monitors::Entity::find()
        .filter(monitors::Column::EscalationPolicyId.eq(id))
        .order_by_asc(monitors::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.id)
        .collect())
}

/// The policies whose steps name `channel_id`.
pub(crate) async fn policies_naming<C: sea_orm::ConnectionTrait>(
    db: &C,
    channel_id: i64,
) -> StoreResult<Vec<i64>> {
    let mut ids = BTreeSet::new();
    for p in escalation_policies::Entity::find().all(db).await? {
        let p = decode(p)?;
        if p.steps.iter().any(|s| s.channels.contains(&channel_id)) {
            ids.insert(p.id);
        }
    }
    Ok(ids.into_iter().collect())
}

pub(crate) fn join_ids(ids: &[i64]) -> String {
    ids.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
