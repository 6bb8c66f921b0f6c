//! Authentication: who is signed in, how to sign in, and API tokens.

use serde::{Deserialize, Serialize};

use crate::FieldError;

/// Longest token name, in characters.
pub const TOKEN_NAME_MAX_CHARS: usize = 100;

/// Prefix of every API token, so a leaked one is recognisable (secret scanners, logs).
pub const TOKEN_PREFIX: &str = "flt_";

/// How this Flatline signs people in: `GET /auth/config` (public, for the login page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuthConfig {
    /// `oidc` (an identity provider) or `local` (the built-in `admin` account).
    pub mode: String,
    /// The identity provider's name, for "Sign in with …" (OIDC mode).
    pub provider_name: Option<String>,
    /// Where a browser starts an OIDC login (OIDC mode).
    pub login_url: Option<String>,
    /// Whether `POST /auth/local/login` is accepted.
    pub local_login: bool,
    /// Local mode only: the `admin` account has never signed in, so its password is still the
    /// one set by `FLATLINE_ADMIN_PASSWORD` or printed once in the log at first start.
    pub first_login_pending: bool,
}

/// The body of `POST /auth/local/login`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LocalLogin {
    pub username: String,
    pub password: String,
}

/// A signed-in person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: i64,
    /// `admin` for the local account, else the e-mail address (or subject) from the provider.
    pub username: String,
    pub email: Option<String>,
    pub name: Option<String>,
    /// `owner`.
    pub role: String,
    /// `local`, or the OIDC issuer URL.
    pub issuer: String,
    pub created_at: String,
    pub last_login_at: Option<String>,
}

/// The answer of `GET /auth/me`: who the credentials belong to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Me {
    /// `session` (cookie) or `token` (bearer).
    pub via: String,
    /// The person (for a token: the owner, if there is one yet).
    pub user: Option<User>,
    /// The API token used, when `via` is `token`.
    pub token: Option<ApiToken>,
}

/// The body of `POST /api/v1/tokens`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    /// What the token is for, 1–100 characters, e.g. `prometheus` or `deploy script`.
    pub name: String,
    /// When the token stops working (RFC 3339, in the future); absent = never.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub expires_at: Option<String>,
    /// `full` (default: the whole API) or `probe` (with `location`: only what a remote
    /// probe of that location does).
    #[serde(default)]
    pub scope: TokenScope,
    /// With `scope: probe`: the location the probe checks from, e.g. `eu-west`.
    #[serde(default)]
    pub location: Option<String>,
}

/// What a token may do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum TokenScope {
    /// The whole API, as the owner.
    #[default]
    Full,
    /// Only `/api/v1/probe/…` for its location: fetch the location's monitors, send their
    /// results.
    Probe,
}

impl CreateToken {
    /// The trimmed name, or the error naming `name`.
    pub fn validated_name(&self) -> Result<String, FieldError> {
        crate::validate_name("name", &self.name, TOKEN_NAME_MAX_CHARS)
    }

    /// The probe location of a `probe` token, `None` for a `full` one.
    pub fn validated_location(&self) -> Result<Option<String>, FieldError> {
        match (self.scope, &self.location) {
            (TokenScope::Full, None) => Ok(None),
            (TokenScope::Full, Some(_)) => Err(FieldError::new(
                "location",
                "applies only to tokens with scope `probe`",
            )),
            (TokenScope::Probe, None) => {
                Err(FieldError::new("location", "is required for a probe token"))
            }
            (TokenScope::Probe, Some(l)) => {
                crate::validate_location("location", l)?;
                if l == crate::LOCAL {
                    return Err(FieldError::new(
                        "location",
                        "`local` is the server itself; name the probe's own location",
                    ));
                }
                Ok(Some(l.clone()))
            }
        }
    }
}

/// An API token as listed: never the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    /// The token's first characters (`flt_AbCd…`), to tell tokens apart.
    pub prefix: String,
    pub created_at: String,
    /// Null until first used; updated at most once a minute.
    pub last_used_at: Option<String>,
    /// Null = never expires.
    pub expires_at: Option<String>,
    pub expired: bool,
    #[serde(default)]
    pub scope: TokenScope,
    /// A probe token's location.
    #[serde(default)]
    pub location: Option<String>,
}

/// The answer of `POST /api/v1/tokens`: the token itself, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedToken {
    /// Send as `Authorization: Bearer <token>`. Only its hash is stored: it cannot be shown again.
    pub token: String,
    #[serde(flatten)]
    pub info: ApiToken,
}

#[cfg(test)]
mod tests {
    use super::CreateToken;

    #[test]
    fn token_names_are_trimmed_and_bounded() {
        let t = |name: &str| {
            CreateToken {
                name: name.into(),
                expires_at: None,
                scope: Default::default(),
                location: None,
            }
            .validated_name()
        };
        assert_eq!(t("  ci  ").ok().as_deref(), Some("ci"));
        assert_eq!(t("   ").map_err(|e| e.field).err().as_deref(), Some("name"));
        assert!(t(&"x".repeat(100)).is_ok());
        assert!(t(&"x".repeat(101)).is_err());
    }

    #[test]
    fn probe_tokens_name_a_location_and_full_ones_none() {
        use super::TokenScope::{Full, Probe};
        let t = |scope, location: Option<&str>| {
            CreateToken {
                name: "p".into(),
                expires_at: None,
                scope,
                location: location.map(str::to_owned),
            }
            .validated_location()
        };
        assert_eq!(t(Probe, Some("eu-west")), Ok(Some("eu-west".into())));
        assert_eq!(t(Full, None), Ok(None));
        for (scope, location) in [
            (Probe, None),
            (Probe, Some("local")),
            (Probe, Some("EU")),
            (Full, Some("eu")),
        ] {
            assert_eq!(
                t(scope, location).map_err(|e| e.field).err().as_deref(),
                Some("location"),
                "{scope:?} {location:?}"
            );
        }
    }
}
