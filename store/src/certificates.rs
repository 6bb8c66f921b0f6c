//! The TLS certificate a monitor's target last presented, kept on the monitor with the expiry
//! warning already sent for it, so that a restart neither forgets nor repeats a warning.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};

use crate::entities::monitors;
use crate::{Store, StoreResult};

/// A leaf certificate as a monitor keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateRecord {
    pub subject: String,
    pub issuer: String,
    /// DNS names and IP addresses it is valid for.
    pub sans: Vec<String>,
    /// UTC ms.
    pub not_after_ms: i64,
    /// SHA-256 of the DER certificate, hex: tells a renewed certificate from the old one.
    pub sha256: String,
    /// UTC ms: when it was last read.
    pub checked_at_ms: i64,
    /// The smallest expiry threshold (days) already announced for this certificate.
    #[serde(default)]
    pub warned_days: Option<u32>,
}

impl CertificateRecord {
    /// Whole days left at `now_ms` (negative once expired).
    pub fn days_left(&self, now_ms: i64) -> i64 {
        days_left(self.not_after_ms, now_ms)
    }
}

/// Whole days from `now_ms` to `not_after_ms` (negative once past): a certificate expiring in
/// 2 days and 23 hours has 2 days left.
pub fn days_left(not_after_ms: i64, now_ms: i64) -> i64 {
    (not_after_ms - now_ms).div_euclid(86_400_000)
}

impl Store {
    /// Keeps `certificate` as the one monitor `id` last saw. A monitor deleted meanwhile is
    /// left alone.
    pub async fn record_certificate(
        &self,
        id: i64,
        certificate: &CertificateRecord,
    ) -> StoreResult<()> {
        let json = serde_json::to_string(certificate).unwrap_or_default();
        monitors::Entity::update_many()
            .col_expr(monitors::Column::Certificate, Expr::value(json))
            .filter(monitors::Column::Id.eq(id))
            .exec(&self.write)
            .await?;
        Ok(())
    }
}
