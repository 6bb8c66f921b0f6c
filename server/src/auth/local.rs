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

/// Sign-in attempts, slowed three ways (OWASP: slow the guesser, never hand them a lockout):
///
/// - per username and address: a burst of 5, then one every 12 s: guessing one account from
///   one place;
/// - per address: a burst of 20, then one every 5 s: one place trying many usernames;
/// - per username: a burst of 100, then one every 3 s: guessing spread over many addresses.
///
/// An address flooding one account is stopped by the first, before it counts against the
/// others, so the owner still signs in from anywhere else. Every attempt counts, right or
/// wrong, so guessing costs time whatever it finds.
pub struct Throttle {
    pair: DefaultKeyedRateLimiter<(String, String)>,
    address: DefaultKeyedRateLimiter<String>,
    account: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
}

/// A burst of `burst`, then one attempt every `every`.
fn quota(burst: u32, every: Duration) -> Quota {
    let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(every)
        .map(|q| q.allow_burst(burst))
        .unwrap_or_else(|| Quota::per_minute(burst))
}

impl Default for Throttle {
    fn default() -> Self {
        Self {
            pair: RateLimiter::keyed(quota(5, Duration::from_secs(12))),
            address: RateLimiter::keyed(quota(20, Duration::from_secs(5))),
            account: RateLimiter::keyed(quota(100, Duration::from_secs(3))),
            clock: DefaultClock::default(),
        }
    }
}

impl Throttle {
    /// Counts an attempt to sign in as `username` from `address`; refuses with the wait when
    /// it is over a quota (checked in the order above; a refused attempt counts no further).
    pub fn attempt(&self, username: &str, address: &str) -> Result<(), AuthError> {
        if self.pair.len() > 10_000 {
            self.pair.retain_recent();
            self.address.retain_recent();
            self.account.retain_recent();
        }
        let refused = |not_until: governor::NotUntil<_>| {
            let wait = not_until.wait_time_from(self.clock.now());
            AuthError::Throttled(wait.as_secs().max(1))
        };
        self.pair
            .check_key(&(username.to_owned(), address.to_owned()))
            .map_err(refused)?;
        self.address
            .check_key(&address.to_owned())
            .map_err(refused)?;
        self.account
            .check_key(&username.to_owned())
            .map_err(refused)?;
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
    fn one_address_flooding_an_account_does_not_lock_out_the_owner() {
        let t = Throttle::default();
        for _ in 0..5 {
            assert!(t.attempt("admin", "10.0.0.1").is_ok());
        }
        for _ in 0..50 {
            match t.attempt("admin", "10.0.0.1") {
                Err(AuthError::Throttled(s)) => assert!((1..=12).contains(&s), "{s}"),
                other => panic!("expected throttling, got {other:?}"),
            }
        }
        assert!(
            t.attempt("admin", "10.0.0.2").is_ok(),
            "the owner, elsewhere"
        );
        // One address spraying usernames: 20, then slowed.
        for i in 0..20 {
            assert!(t.attempt(&format!("u{i}"), "10.0.0.3").is_ok());
        }
        assert!(t.attempt("u99", "10.0.0.3").is_err());
        // Many addresses guessing one account: a hundred, then slowed.
        for i in 0..100 {
            assert!(t.attempt("victim", &format!("10.1.0.{i}")).is_ok());
        }
        assert!(t.attempt("victim", "10.2.0.1").is_err());
    }
}
