//! Status pages and their notices, and the incidents a page shows.

use std::collections::HashMap;

use flatline_types::{NoticeLevel, PageTheme, PageVisibility, StatusPageSpec};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DbErr, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, Set, SqlErr,
};

use crate::entities::{incident_updates, incidents, status_page_notices, status_pages};
use crate::{Store, StoreError, StoreResult};

/// A status page as stored, decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredPage {
    pub id: i64,
    pub spec: StatusPageSpec,
    /// Argon2id PHC string, for `password` pages.
    pub password_hash: Option<String>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    /// The key a configuration file knows it by, if any.
    pub key: Option<String>,
    /// What a file last set (JSON `{digest, refs}`), if it came from one.
    pub applied: Option<String>,
}

/// A notice as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredNotice {
    pub id: i64,
    pub page_id: i64,
    pub title: String,
    pub message: String,
    pub level: NoticeLevel,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    pub ends_at_ms: Option<i64>,
}

impl StoredNotice {
    /// Whether it shows at the top of its page at `now_ms`.
    pub fn active(&self, now_ms: i64) -> bool {
        self.ends_at_ms.is_none_or(|e| e > now_ms)
    }
}

/// What a notice's owner may change.
pub struct NoticeChange {
    pub title: Option<String>,
    pub message: Option<String>,
    pub level: Option<NoticeLevel>,
    pub ends_at_ms: Option<Option<i64>>,
}

fn decode_page(m: status_pages::Model) -> StoreResult<StoredPage> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("status page {}: {what}", m.id));
    let sections =
        serde_json::from_str(&m.sections).map_err(|e| corrupt(&format!("sections: {e}")))?;
    let visibility = PageVisibility::parse(&m.visibility).ok_or_else(|| corrupt("visibility"))?;
    let theme = PageTheme::parse(&m.theme).ok_or_else(|| corrupt("theme"))?;
    Ok(StoredPage {
        id: m.id,
        spec: StatusPageSpec {
            slug: m.slug,
            title: m.title,
            description: m.description,
            sections,
            custom_domain: m.custom_domain,
            show_latency: m.show_latency,
            visibility,
            footer: m.footer,
            theme,
        },
        password_hash: m.password_hash,
        created_at_ms: m.created_at,
        updated_at_ms: m.updated_at,
        key: m.key.clone(),
        applied: m.applied.clone(),
    })
}

fn decode_notice(m: status_page_notices::Model) -> StoreResult<StoredNotice> {
    let level = NoticeLevel::parse(&m.level)
        .ok_or_else(|| StoreError::Corrupt(format!("notice {}: level", m.id)))?;
    Ok(StoredNotice {
        id: m.id,
        page_id: m.page_id,
        title: m.title,
        message: m.message,
        level,
        created_at_ms: m.created_at,
        updated_at_ms: m.updated_at,
        ends_at_ms: m.ends_at,
    })
}

/// Lays `spec` over a row.
fn set_spec(row: &mut status_pages::ActiveModel, spec: &StatusPageSpec) {
    row.slug = Set(spec.slug.clone());
    row.title = Set(spec.title.clone());
    row.description = Set(spec.description.clone());
    row.sections = Set(serde_json::to_string(&spec.sections).unwrap_or_else(|_| "[]".into()));
    row.custom_domain = Set(spec.custom_domain.clone());
    row.show_latency = Set(spec.show_latency);
    row.visibility = Set(spec.visibility.as_str().to_owned());
    row.footer = Set(spec.footer.clone());
    row.theme = Set(spec.theme.as_str().to_owned());
}

/// A unique slug or domain already taken becomes [`StoreError::Taken`], naming the field.
fn taken(e: DbErr, spec: &StatusPageSpec) -> StoreError {
    match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(detail)) => {
            if spec.custom_domain.is_some() && detail.contains("custom_domain") {
                StoreError::Taken("custom_domain")
            } else {
                StoreError::Taken("slug")
            }
        }
        _ => StoreError::Db(e),
    }
}

impl Store {
    /// Every status page, oldest first.
    pub async fn list_pages(&self) -> StoreResult<Vec<StoredPage>> {
        status_pages::Entity::find()
            .order_by_asc(status_pages::Column::Id)
            .all(&self.read)
            .await?
            .into_iter()
            .map(decode_page)
            .collect()
    }

    /// One status page.
    pub async fn get_page(&self, id: i64) -> StoreResult<Option<StoredPage>> {
        status_pages::Entity::find_by_id(id)
            .one(&self.read)
            .await?
            .map(decode_page)
            .transpose()
    }

    /// Stores a new page; [`StoreError::Taken`] if its slug or domain is another page's.
    pub async fn insert_page(
        &self,
        spec: &StatusPageSpec,
        password_hash: Option<String>,
        now_ms: i64,
    ) -> StoreResult<StoredPage> {
        self.insert_page_in(&self.write, spec, password_hash, now_ms)
            .await
    }

    /// [`Store::insert_page`] inside `db` (a transaction of a write batch, or the writer).
    pub(crate) async fn insert_page_in<C: sea_orm::ConnectionTrait + sea_orm::TransactionTrait>(
        &self,
        db: &C,
        spec: &StatusPageSpec,
        password_hash: Option<String>,
        now_ms: i64,
    ) -> StoreResult<StoredPage> {
        let mut row = status_pages::ActiveModel {
            password_hash: Set(password_hash),
            created_at: Set(now_ms),
            updated_at: Set(now_ms),
            ..Default::default()
        };
        set_spec(&mut row, spec);
        let model = row.insert(db).await.map_err(|e| taken(e, spec))?;
        decode_page(model)
    }

    /// Replaces a page's configuration; a new password hash when `Some`, none kept when the
    /// page is no longer a password page. `None` if there is no such page.
    pub async fn update_page(
        &self,
        id: i64,
        spec: &StatusPageSpec,
        new_password_hash: Option<String>,
        now_ms: i64,
    ) -> StoreResult<Option<StoredPage>> {
        self.update_page_in(&self.write, id, spec, new_password_hash, now_ms)
            .await
    }

    /// [`Store::update_page`] inside `db` (a transaction of a write batch, or the writer).
    pub(crate) async fn update_page_in<C: sea_orm::ConnectionTrait + sea_orm::TransactionTrait>(
        &self,
        db: &C,
        id: i64,
        spec: &StatusPageSpec,
        new_password_hash: Option<String>,
        now_ms: i64,
    ) -> StoreResult<Option<StoredPage>> {
        let Some(current) = status_pages::Entity::find_by_id(id).one(db).await? else {
            return Ok(None);
        };
        let mut row = current.into_active_model();
        set_spec(&mut row, spec);
        if spec.visibility != PageVisibility::Password {
            row.password_hash = Set(None);
        } else if let Some(hash) = new_password_hash {
            row.password_hash = Set(Some(hash));
        }
        row.updated_at = Set(now_ms);
        let model = row.update(db).await.map_err(|e| taken(e, spec))?;
        decode_page(model).map(Some)
    }

    /// Deletes a page and its notices; whether there was one.
    pub async fn delete_page(&self, id: i64) -> StoreResult<bool> {
        self.delete_page_in(&self.write, id).await
    }

    /// [`Store::delete_page`] inside `db` (a transaction of a write batch, or the writer).
    pub(crate) async fn delete_page_in<C: sea_orm::ConnectionTrait + sea_orm::TransactionTrait>(
        &self,
        db: &C,
        id: i64,
    ) -> StoreResult<bool> {
        // SQLite enforces the cascade only with foreign keys on; delete explicitly.
        status_page_notices::Entity::delete_many()
            .filter(status_page_notices::Column::PageId.eq(id))
            .exec(db)
            .await?;
        let result = status_pages::Entity::delete_by_id(id).exec(db).await?;
        Ok(result.rows_affected > 0)
    }

    /// A page's notices, newest first.
    pub async fn list_notices(&self, page_id: i64) -> StoreResult<Vec<StoredNotice>> {
        status_page_notices::Entity::find()
            .filter(status_page_notices::Column::PageId.eq(page_id))
            .order_by_desc(status_page_notices::Column::CreatedAt)
            .order_by_desc(status_page_notices::Column::Id)
            .all(&self.read)
            .await?
            .into_iter()
            .map(decode_notice)
            .collect()
    }

    /// Adds a notice to a page; `None` if there is no such page.
    pub async fn insert_notice(
        &self,
        page_id: i64,
        title: &str,
        message: &str,
        level: NoticeLevel,
        ends_at_ms: Option<i64>,
        now_ms: i64,
    ) -> StoreResult<Option<StoredNotice>> {
        if status_pages::Entity::find_by_id(page_id)
            .one(&self.write)
            .await?
            .is_none()
        {
            return Ok(None);
        }
        let model = status_page_notices::ActiveModel {
            page_id: Set(page_id),
            title: Set(title.to_owned()),
            message: Set(message.to_owned()),
            level: Set(level.as_str().to_owned()),
            created_at: Set(now_ms),
            updated_at: Set(now_ms),
            ends_at: Set(ends_at_ms),
            ..Default::default()
        }
        .insert(&self.write)
        .await?;
        decode_notice(model).map(Some)
    }

    /// Changes a page's notice; `None` if the page has no such notice.
    pub async fn update_notice(
        &self,
        page_id: i64,
        id: i64,
        change: NoticeChange,
        now_ms: i64,
    ) -> StoreResult<Option<StoredNotice>> {
        let Some(current) = status_page_notices::Entity::find_by_id(id)
            .filter(status_page_notices::Column::PageId.eq(page_id))
            .one(&self.write)
            .await?
        else {
            return Ok(None);
        };
        let mut row = current.into_active_model();
        if let Some(t) = change.title {
            row.title = Set(t);
        }
        if let Some(m) = change.message {
            row.message = Set(m);
        }
        if let Some(l) = change.level {
            row.level = Set(l.as_str().to_owned());
        }
        if let Some(e) = change.ends_at_ms {
            row.ends_at = Set(e);
        }
        row.updated_at = Set(now_ms);
        decode_notice(row.update(&self.write).await?).map(Some)
    }

    /// Deletes a page's notice; whether there was one.
    pub async fn delete_notice(&self, page_id: i64, id: i64) -> StoreResult<bool> {
        let result = status_page_notices::Entity::delete_many()
            .filter(status_page_notices::Column::PageId.eq(page_id))
            .filter(status_page_notices::Column::Id.eq(id))
            .exec(&self.write)
            .await?;
        Ok(result.rows_affected > 0)
    }

    /// Incidents of `monitor_ids` that are open or were resolved after `since_ms`, newest
    /// first, at most `limit`, each with its updates (oldest first).
    pub async fn incidents_with_updates(
        &self,
        monitor_ids: &[i64],
        since_ms: i64,
        limit: u64,
    ) -> StoreResult<Vec<(incidents::Model, Vec<incident_updates::Model>)>> {
        if monitor_ids.is_empty() {
            return Ok(Vec::new());
        }
        let found = incidents::Entity::find()
            .filter(incidents::Column::MonitorId.is_in(monitor_ids.iter().copied()))
            .filter(
                Condition::any()
                    .add(incidents::Column::ResolvedAt.is_null())
                    .add(incidents::Column::ResolvedAt.gt(since_ms)),
            )
            .order_by_desc(incidents::Column::StartedAt)
            .order_by_desc(incidents::Column::Id)
            .limit(limit)
            .all(&self.read)
            .await?;
        let mut updates: HashMap<i64, Vec<incident_updates::Model>> = HashMap::new();
        if !found.is_empty() {
            for u in incident_updates::Entity::find()
                .filter(incident_updates::Column::IncidentId.is_in(found.iter().map(|i| i.id)))
                .order_by_asc(incident_updates::Column::CreatedAt)
                .order_by_asc(incident_updates::Column::Id)
                .all(&self.read)
                .await?
            {
                updates.entry(u.incident_id).or_default().push(u);
            }
        }
        Ok(found
            .into_iter()
            .map(|i| {
                let u = updates.remove(&i.id).unwrap_or_default();
                (i, u)
            })
            .collect())
    }
}
