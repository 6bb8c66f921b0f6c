//! The local account: `admin`, for a Flatline without an identity provider.

use std::num::NonZeroU32;
use std::time::Duration;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use flatline_store::auth::NewUser;
use flatline_store::clock::now_ms;
use flatline_store::Store;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::secrets::random_secret;
use super::AuthError;

/// The local account's issuer and username.
pub const LOCAL_ISSUER: &str = "local";
/// The local owner account's name.
pub const ADMIN: &str = "admin";

/// An argon2id hash (PHC string) of `password`. Slow by design: call from a blocking thread.
pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| format!("cannot hash the password: {e}"))
}

/// Whether `password` matches the PHC string `hash`. Slow by design.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Creates `admin` at first start (local mode), or resets its password when
/// `FLATLINE_ADMIN_PASSWORD` is set and differs from the stored one.
pub async fn bootstrap_admin(store: &Store, password: Option<&str>) -> Result<(), String> {
    if let Some(p) = password {
        if p.chars().count() < 8 {
            return Err("FLATLINE_ADMIN_PASSWORD must be at least 8 characters".into());
        }
    }
    let db = |e: flatline_store::StoreError| format!("cannot set up the local account: {e}");
    if let Some(admin) = store
        .user_by_identity(LOCAL_ISSUER, ADMIN)
        .await
        .map_err(db)?
    {
        if let Some(p) = password {
            let stored = admin.password_hash.clone().unwrap_or_default();
            let candidate = p.to_owned();
            if !blocking(move || verify_password(&candidate, &stored)).await? {
                let candidate = p.to_owned();
                let hash = blocking(move || hash_password(&candidate)).await??;
                store.set_password(admin.id, &hash).await.map_err(db)?;
                tracing::info!("the password of `admin` was reset from FLATLINE_ADMIN_PASSWORD");
            }
        }
        return Ok(());
    }
    if let Some(owner) = store.owner().await.map_err(db)? {
        tracing::warn!(
            owner = %owner.username,
            issuer = %owner.issuer,
            "no OIDC settings, but Flatline's owner signs in with OIDC: configure OAUTH_* again, \
             or run `flatline owner reset` to go back to the local `admin` account"
        );
        return Ok(());
    }
    let (password, generated) = match password {
        Some(p) => (p.to_owned(), false),
        None => (random_secret(15), true),
    };
    let p = password.clone();
    let hash = blocking(move || hash_password(&p)).await??;
    let created = store
        .create_owner(
            NewUser {
                issuer: LOCAL_ISSUER.into(),
                subject: ADMIN.into(),
                username: ADMIN.into(),
                email: None,
                name: None,
                password_hash: Some(hash),
            },
            now_ms(),
        )
        .await
        .map_err(db)?;
    match (created, generated) {
        (None, _) => tracing::info!("another process created the owner first"),
        (Some(_), true) => tracing::warn!(
            "created the owner account `admin` with the password {password} \
             (shown only this once; set FLATLINE_ADMIN_PASSWORD to choose another)"
        ),
        (Some(_), false) => {
            tracing::info!(
                "created the owner account `admin` with the password from FLATLINE_ADMIN_PASSWORD"
            )
        }
    }
    Ok(())
}

/// Runs slow hashing off the async workers.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, String> {
    actix_web::rt::task::spawn_blocking(f)
        .await
        .map_err(|e| format!("password hashing task failed: {e}"))
}

/// Sign-in attempts allowed per username and per client address: a burst of 5, then one
/// every 12 seconds. Every attempt counts, so guessing costs time whatever it finds.
pub struct Throttle {
    limiter: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
}

impl Default for Throttle {
    fn default() -> Self {
        let quota = Quota::with_period(Duration::from_secs(12))
            .map(|q| q.allow_burst(NonZeroU32::MIN.saturating_add(4)))
            .unwrap_or_else(|| Quota::per_minute(NonZeroU32::MIN.saturating_add(4)));
        Self {
            limiter: RateLimiter::keyed(quota),
            clock: DefaultClock::default(),
        }
    }
}

impl Throttle {
    /// Counts an attempt for each key; refuses with the wait when any key is over its quota.
    pub fn attempt(&self, keys: &[String]) -> Result<(), AuthError> {
        if self.limiter.len() > 10_000 {
            self.limiter.retain_recent();
        }
        for key in keys {
            if let Err(not_until) = self.limiter.check_key(key) {
                let wait = not_until.wait_time_from(self.clock.now());
                return Err(AuthError::Throttled(wait.as_secs().max(1)));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_with_salt_and_verify() {
        let a = hash_password("correct horse").expect("hash");
        let b = hash_password("correct horse").expect("hash");
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b, "salted");
        assert!(verify_password("correct horse", &a));
        assert!(!verify_password("wrong horse", &a));
        assert!(!verify_password("correct horse", "not a hash"));
    }

    #[test]
    fn the_sixth_quick_attempt_is_throttled() {
        let t = Throttle::default();
        let keys = ["user:admin".to_owned()];
        for _ in 0..5 {
            assert!(t.attempt(&keys).is_ok());
        }
        match t.attempt(&keys) {
            Err(AuthError::Throttled(s)) => assert!((1..=12).contains(&s), "{s}"),
            other => panic!("expected throttling, got {other:?}"),
        }
        assert!(t.attempt(&["user:other".to_owned()]).is_ok(), "per key");
    }
}
