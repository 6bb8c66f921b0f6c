//! Authentication as configured at start-up.

/// Builds authentication at start-up: the JWT secret (generated and stored if unset), OIDC
/// settings (discovery happens later, so an unreachable provider never stops Flatline), and,
/// without OIDC, the local `admin` account.
pub async fn setup(
    config: &crate::config::AuthSettings,
    store: &flatline_store::Store,
) -> Result<super::Auth, String> {
    let secret = jwt_secret(config, store).await?;
    let oidc = oidc_settings(config)?;
    let redirect = config
        .oauth_redirect_url
        .as_deref()
        .and_then(|u| url::Url::parse(u).ok());
    let cookie_secure = secure_cookies(config.secure_cookies, redirect.as_ref());
    let trusted_origins = redirect
        .map(|u| u.origin().ascii_serialization())
        .into_iter()
        .collect();
    match &oidc {
        None => {
            let password = config.admin_password.as_ref().map(|s| s.expose());
            super::local::bootstrap_admin(store, password).await?;
        }
        Some(o) => {
            tracing::info!(issuer = %o.issuer.as_str(), client_id = %o.client_id.as_str(),
                "sign-in with OIDC; local accounts are off");
            let owner = store.owner().await.map_err(|e| e.to_string())?;
            if let Some(owner) = owner.filter(|o| o.issuer == super::local::LOCAL_ISSUER) {
                tracing::warn!(owner = %owner.username,
                    "OIDC is configured but the owner is the local account, so every OIDC \
                     sign-in will be refused: run `flatline owner reset` to let the next OIDC \
                     sign-in claim Flatline");
            }
        }
    }
    Ok(super::Auth {
        store: store.clone(),
        keys: super::session::Keys::new(secret.as_bytes())?,
        cookie_secure,
        oidc: oidc.map(super::oidc::Oidc::new),
        throttle: super::local::Throttle::default(),
        trusted_origins,
    })
}

/// Cookies are `Secure` when asked, or else when Flatline's public URL is https.
fn secure_cookies(setting: Option<bool>, redirect: Option<&url::Url>) -> bool {
    setting.unwrap_or_else(|| redirect.is_some_and(|u| u.scheme() == "https"))
}

/// The settings key of a generated JWT secret.
const JWT_SECRET_SETTING: &str = "jwt_secret";

async fn jwt_secret(
    config: &crate::config::AuthSettings,
    store: &flatline_store::Store,
) -> Result<String, String> {
    if let Some(s) = &config.jwt_secret {
        if s.expose().len() < 32 {
            return Err(
                "JWT_SECRET must be at least 32 bytes (e.g. the output of `openssl rand -base64 48`)"
                    .into(),
            );
        }
        return Ok(s.expose().to_owned());
    }
    let candidate = super::secrets::random_secret(48);
    let stored = store
        .setting_or_insert(JWT_SECRET_SETTING, &candidate)
        .await
        .map_err(|e| format!("cannot read or store the JWT secret: {e}"))?;
    if stored == candidate {
        tracing::info!(
            "JWT_SECRET is not set: generated a random one and stored it in the database, \
             so sessions survive restarts"
        );
    }
    Ok(stored)
}

fn oidc_settings(
    config: &crate::config::AuthSettings,
) -> Result<Option<super::oidc::OidcSettings>, String> {
    use openidconnect::{ClientId, ClientSecret, IssuerUrl, RedirectUrl};
    let c = config;
    let any = c.oauth_issuer_url.is_some()
        || c.oauth_client_id.is_some()
        || c.oauth_client_secret.is_some()
        || c.oauth_redirect_url.is_some();
    if !any {
        return Ok(None);
    }
    let missing: Vec<&str> = [
        ("OAUTH_ISSUER_URL", c.oauth_issuer_url.is_none()),
        ("OAUTH_CLIENT_ID", c.oauth_client_id.is_none()),
        ("OAUTH_REDIRECT_URL", c.oauth_redirect_url.is_none()),
    ]
    .into_iter()
    .filter_map(|(name, absent)| absent.then_some(name))
    .collect();
    if !missing.is_empty() {
        return Err(format!(
            "OIDC is half configured: set {} too (or unset every OAUTH_* variable for local accounts)",
            missing.join(", ")
        ));
    }
    let issuer = c.oauth_issuer_url.clone().unwrap_or_default();
    let issuer = IssuerUrl::new(issuer.clone())
        .map_err(|e| format!("OAUTH_ISSUER_URL {issuer:?} is not a URL: {e}"))?;
    let redirect = c.oauth_redirect_url.clone().unwrap_or_default();
    let redirect_url = RedirectUrl::new(redirect.clone())
        .map_err(|e| format!("OAUTH_REDIRECT_URL {redirect:?} is not a URL: {e}"))?;
    if !redirect_url.url().path().ends_with("/auth/callback") {
        tracing::warn!(redirect_url = %redirect,
            "OAUTH_REDIRECT_URL does not end in /auth/callback, where Flatline receives sign-ins");
    }
    let provider_name = c.oauth_provider_name.clone().unwrap_or_else(|| {
        issuer
            .url()
            .host_str()
            .unwrap_or("your identity provider")
            .to_owned()
    });
    Ok(Some(super::oidc::OidcSettings {
        issuer,
        client_id: ClientId::new(c.oauth_client_id.clone().unwrap_or_default()),
        client_secret: c
            .oauth_client_secret
            .as_ref()
            .map(|s| ClientSecret::new(s.expose().to_owned())),
        redirect_url,
        scopes: c
            .oauth_scopes
            .split([' ', ','])
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        provider_name,
        token_auth_method: c.oauth_token_auth_method.clone(),
    }))
}

#[cfg(test)]
mod tests {
    use super::secure_cookies;

    #[test]
    fn cookies_are_secure_when_the_public_url_is_https() {
        let https = url::Url::parse("https://up.example.com/auth/callback").ok();
        let http = url::Url::parse("http://10.0.0.5:3000/auth/callback").ok();
        assert!(secure_cookies(None, https.as_ref()));
        assert!(!secure_cookies(None, http.as_ref()));
        assert!(!secure_cookies(None, None));
        assert!(secure_cookies(Some(true), None));
        assert!(!secure_cookies(Some(false), https.as_ref()));
    }
}
