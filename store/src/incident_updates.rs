//! Incident updates: what the people handling an incident tell its readers, oldest first.

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::entities::{incident_updates, incidents};
use crate::{Store, StoreResult};

impl Store {
    /// One incident.
    pub async fn get_incident(&self, id: i64) -> StoreResult<Option<incidents::Model>> {
        Ok(incidents::Entity::find_by_id(id).one(&self.read).await?)
    }

    /// Adds an update to incident `incident_id`; `None` if there is no such incident.
    pub async fn add_incident_update(
        &self,
        incident_id: i64,
        state: &str,
        message: &str,
        author: &str,
        now_ms: i64,
    ) -> StoreResult<Option<incident_updates::Model>> {
        if incidents::Entity::find_by_id(incident_id)
            .one(&self.write)
            .await?
            .is_none()
        {
            return Ok(None);
        }
        let update = incident_updates::ActiveModel {
            incident_id: Set(incident_id),
            state: Set(state.to_owned()),
            message: Set(message.to_owned()),
            author: Set(author.to_owned()),
            created_at: Set(now_ms),
            ..Default::default()
        }
        .insert(&self.write)
        .await?;
        Ok(Some(update))
    }

    /// An incident's updates, oldest first.
    pub async fn list_incident_updates(
        &self,
        incident_id: i64,
    ) -> StoreResult<Vec<incident_updates::Model>> {
        Ok(incident_updates::Entity::find()
            .filter(incident_updates::Column::IncidentId.eq(incident_id))
            .order_by_asc(incident_updates::Column::CreatedAt)
            .order_by_asc(incident_updates::Column::Id)
            .all(&self.read)
            .await?)
    }

    /// Deletes one update of an incident; whether there was one.
    pub async fn delete_incident_update(&self, incident_id: i64, id: i64) -> StoreResult<bool> {
        let result = incident_updates::Entity::delete_many()
            .filter(incident_updates::Column::IncidentId.eq(incident_id))
            .filter(incident_updates::Column::Id.eq(id))
            .exec(&self.write)
            .await?;
        Ok(result.rows_affected > 0)
    }
}
