//! What applying a configuration document does (or, with `dry_run`, would do): one change
//! per declared or pruned resource.

use serde::{Deserialize, Serialize};

/// The kinds of resource a document declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    NotificationChannel,
    Monitor,
    StatusPage,
    Maintenance,
}

impl ResourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotificationChannel => "notification_channel",
            Self::Monitor => "monitor",
            Self::StatusPage => "status_page",
            Self::Maintenance => "maintenance",
        }
    }
}

/// What happens to one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PlanAction {
    Create,
    Update,
    /// Only with `prune`: keyed, stored, and not in the document.
    Delete,
    Unchanged,
}

impl PlanAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Update => "update",
            Self::Delete => "delete",
            Self::Unchanged => "unchanged",
        }
    }
}

/// One field that changes; secrets show as `***`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldChange {
    /// Dotted path within the resource, e.g. `interval_seconds` or `config.webhook_url`.
    pub field: String,
    /// Null when the field is new.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub before: serde_json::Value,
    /// Null when the field goes away.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub after: serde_json::Value,
}

/// What happens to one resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlannedChange {
    pub resource: ResourceKind,
    pub key: String,
    pub action: PlanAction,
    /// The stored resource's id (after applying, for one created).
    pub id: Option<i64>,
    /// For `update`: the fields that change.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<FieldChange>,
    /// Changed since a file last set it (edited in the UI or the API): applying overwrites
    /// the edit.
    #[serde(default)]
    pub drifted: bool,
    /// A push monitor created by this apply: its URL, in full, this once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub push_url: Option<String>,
}

/// How many resources each action touches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanSummary {
    pub create: usize,
    pub update: usize,
    pub delete: usize,
    pub unchanged: usize,
}

/// The answer to `POST /api/v1/config/apply`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConfigPlan {
    /// Whether the changes were made (false for a dry run).
    pub applied: bool,
    pub summary: PlanSummary,
    /// Channels, then monitors, status pages and maintenance windows, each in document order;
    /// deletions last.
    pub changes: Vec<PlannedChange>,
}

impl ConfigPlan {
    /// Counts the changes by action.
    pub fn summarize(changes: &[PlannedChange]) -> PlanSummary {
        let mut s = PlanSummary::default();
        for c in changes {
            match c.action {
                PlanAction::Create => s.create += 1,
                PlanAction::Update => s.update += 1,
                PlanAction::Delete => s.delete += 1,
                PlanAction::Unchanged => s.unchanged += 1,
            }
        }
        s
    }
}
