//! Queries for authentication: the owner, login sessions, API tokens, instance settings.
//!
//! Secrets never reach this module in the clear: sessions and tokens are looked up by the
//! SHA-256 of their secret, computed by the caller.

use sea_orm::sea_query::{OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};

use super::entities::{api_tokens, sessions, settings, users};
use super::{is_unique_violation, Store, StoreResult};

/// A user as stored.
pub type StoredUser = users::Model;
/// An API token as stored (its hash, never the token).
pub type StoredToken = api_tokens::Model;

/// The one role there is today.
pub const OWNER_ROLE: &str = "owner";

/// Who a new user is.
#[derive(Clone, Debug)]
pub struct NewUser {
    pub issuer: String,
    pub subject: String,
    pub username: String,
    pub email: Option<String>,
    pub name: Option<String>,
    pub password_hash: Option<String>,
}

/// A new API token, already hashed.
#[derive(Clone, Debug)]
pub struct NewApiToken {
    pub name: String,
    pub prefix: String,
    pub token_hash: String,
    pub created_by: Option<i64>,
    pub expires_at_ms: Option<i64>,
    /// A probe token's location.
    pub location: Option<String>,
}

impl Store {
    /// A setting, if stored.
    pub async fn setting(&self, key: &str) -> StoreResult<Option<String>> {
        Ok(settings::Entity::find_by_id(key.to_owned())
            .one(&self.write)
            .await?
            .map(|s| s.value))
    }

    /// Stores `value` under `key` unless a value is there already; returns the stored value
    /// (so two processes racing to create it agree on one).
    pub async fn setting_or_insert(&self, key: &str, value: &str) -> StoreResult<String> {
        settings::Entity::insert(settings::ActiveModel {
            key: Set(key.to_owned()),
            value: Set(value.to_owned()),
        })
        .on_conflict(
            OnConflict::column(settings::Column::Key)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(&self.write)
        .await?;
        Ok(self.setting(key).await?.unwrap_or_else(|| value.to_owned()))
    }

    /// The owner, if anyone has claimed Flatline yet.
    pub async fn owner(&self) -> StoreResult<Option<StoredUser>> {
        Ok(users::Entity::find()
            .filter(users::Column::Role.eq(OWNER_ROLE))
            .one(&self.write)
            .await?)
    }

    /// The user with this identity.
    pub async fn user_by_identity(
        &self,
        issuer: &str,
        subject: &str,
    ) -> StoreResult<Option<StoredUser>> {
        Ok(users::Entity::find()
            .filter(users::Column::Issuer.eq(issuer))
            .filter(users::Column::Subject.eq(subject))
            .one(&self.write)
            .await?)
    }

    /// The user with this id.
    pub async fn user(&self, id: i64) -> StoreResult<Option<StoredUser>> {
        Ok(users::Entity::find_by_id(id).one(&self.write).await?)
    }

    /// Makes `user` the owner; `None` if there is one already (checked by the database, so
    /// two first logins racing each other cannot both win).
    pub async fn create_owner(
        &self,
        user: NewUser,
        now_ms: i64,
    ) -> StoreResult<Option<StoredUser>> {
        let am = users::ActiveModel {
            issuer: Set(user.issuer),
            subject: Set(user.subject),
            username: Set(user.username),
            email: Set(user.email),
            name: Set(user.name),
            password_hash: Set(user.password_hash),
            role: Set(OWNER_ROLE.to_owned()),
            created_at: Set(now_ms),
            last_login_at: Set(None),
            ..Default::default()
        };
        match am.insert(&self.write).await {
            Ok(u) => Ok(Some(u)),
            Err(e) if is_unique_violation(&e) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Records a login: when, and the profile the provider sent this time.
    pub async fn record_login(
        &self,
        user_id: i64,
        email: Option<String>,
        name: Option<String>,
        now_ms: i64,
    ) -> StoreResult<()> {
        let mut am = users::ActiveModel {
            id: sea_orm::Unchanged(user_id),
            last_login_at: Set(Some(now_ms)),
            ..Default::default()
        };
        if email.is_some() {
            am.email = Set(email);
        }
        if name.is_some() {
            am.name = Set(name);
        }
        am.update(&self.write).await?;
        Ok(())
    }

    /// Deletes the owner (their sessions go with them); returns whether there was one.
    pub async fn delete_owner(&self) -> StoreResult<Option<StoredUser>> {
        let Some(owner) = self.owner().await? else {
            return Ok(None);
        };
        users::Entity::delete_by_id(owner.id)
            .exec(&self.write)
            .await?;
        Ok(Some(owner))
    }

    /// Number of users.
    pub async fn count_users(&self) -> StoreResult<u64> {
        Ok(users::Entity::find().count(&self.write).await?)
    }

    /// Stores a new login session; expired sessions are cleared on the way.
    pub async fn insert_session(
        &self,
        id_hash: &str,
        user_id: i64,
        now_ms: i64,
        expires_at_ms: i64,
    ) -> StoreResult<()> {
        sessions::Entity::delete_many()
            .filter(sessions::Column::ExpiresAt.lte(now_ms))
            .exec(&self.write)
            .await?;
        sessions::ActiveModel {
            id_hash: Set(id_hash.to_owned()),
            user_id: Set(user_id),
            created_at: Set(now_ms),
            expires_at: Set(expires_at_ms),
            ..Default::default()
        }
        .insert(&self.write)
        .await?;
        Ok(())
    }

    /// The live session with this id hash and its user.
    pub async fn session(&self, id_hash: &str, now_ms: i64) -> StoreResult<Option<StoredUser>> {
        // One round-trip: this runs on every cookie-authenticated request.
        let session_user = Query::select()
            .column(sessions::Column::UserId)
            .from(sessions::Entity)
            .and_where(sessions::Column::IdHash.eq(id_hash))
            .and_where(sessions::Column::ExpiresAt.gt(now_ms))
            .to_owned();
        Ok(users::Entity::find()
            .filter(users::Column::Id.in_subquery(session_user))
            .one(&self.read)
            .await?)
    }

    /// Ends a session (logout).
    pub async fn delete_session(&self, id_hash: &str) -> StoreResult<()> {
        sessions::Entity::delete_many()
            .filter(sessions::Column::IdHash.eq(id_hash))
            .exec(&self.write)
            .await?;
        Ok(())
    }

    /// Stores a new API token.
    pub async fn insert_token(&self, token: NewApiToken, now_ms: i64) -> StoreResult<StoredToken> {
        Ok(api_tokens::ActiveModel {
            name: Set(token.name),
            prefix: Set(token.prefix),
            token_hash: Set(token.token_hash),
            created_by: Set(token.created_by),
            created_at: Set(now_ms),
            last_used_at: Set(None),
            expires_at: Set(token.expires_at_ms),
            location: Set(token.location),
            ..Default::default()
        }
        .insert(&self.write)
        .await?)
    }

    /// Every API token, newest first.
    pub async fn list_tokens(&self) -> StoreResult<Vec<StoredToken>> {
        Ok(api_tokens::Entity::find()
            .order_by_desc(api_tokens::Column::Id)
            .all(&self.read)
            .await?)
    }

    /// The token with this hash, expired or not.
    pub async fn token_by_hash(&self, token_hash: &str) -> StoreResult<Option<StoredToken>> {
        Ok(api_tokens::Entity::find()
            .filter(api_tokens::Column::TokenHash.eq(token_hash))
            .one(&self.read)
            .await?)
    }

    /// Records that a token was used.
    pub async fn touch_token(&self, id: i64, now_ms: i64) -> StoreResult<()> {
        api_tokens::ActiveModel {
            id: sea_orm::Unchanged(id),
            last_used_at: Set(Some(now_ms)),
            ..Default::default()
        }
        .update(&self.write)
        .await?;
        Ok(())
    }

    /// Revokes a token; whether it existed.
    pub async fn delete_token(&self, id: i64) -> StoreResult<bool> {
        let res = api_tokens::Entity::delete_by_id(id)
            .exec(&self.write)
            .await?;
        Ok(res.rows_affected > 0)
    }
}

impl Store {
    /// Replaces a local account's password hash.
    pub async fn set_password(&self, user_id: i64, password_hash: &str) -> StoreResult<()> {
        users::ActiveModel {
            id: sea_orm::Unchanged(user_id),
            password_hash: Set(Some(password_hash.to_owned())),
            ..Default::default()
        }
        .update(&self.write)
        .await?;
        Ok(())
    }
}
