//! Links in notifications back to Flatline: the monitor's page, and a signed, expiring link
//! that acknowledges one incident without signing in (a JWT, HS256, under a key derived from
//! Flatline's JWT secret, with its own audience so that no other token passes for one).

use std::time::Duration;

use jsonwebtoken::{errors::ErrorKind, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::Digest;

/// The audience of acknowledgement links.
const AUDIENCE: &str = "flatline-ack";

/// Builds and checks the links.
#[derive(Clone)]
pub struct Links {
    /// Flatline's public URL, without a trailing `/`.
    base: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
    /// How long an acknowledgement link works.
    ttl: Duration,
}

impl std::fmt::Debug for Links {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Links")
            .field("base", &self.base)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    /// The incident.
    inc: i64,
    /// The channel whose message carried it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ch: Option<i64>,
    aud: String,
    exp: i64,
}

/// Why a link does not acknowledge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkError {
    /// Signed by us, but past its time.
    Expired,
    /// Not a link we made.
    Invalid,
}

impl Links {
    /// Links under `base` (Flatline's public URL), signed with a key derived from `secret`;
    /// acknowledgement links work for `ttl`.
    pub fn new(base: &str, secret: &[u8], ttl: Duration) -> Result<Self, String> {
        let mut hasher = sha2::Sha256::new();
        hasher.update(b"flatline acknowledgement links\n");
        hasher.update(secret);
        let key = hasher.finalize();
        let bad = |e: jsonwebtoken::errors::Error| format!("unusable link key: {e}");
        Ok(Self {
            base: base.trim_end_matches('/').to_owned(),
            encoding: EncodingKey::from_secret(&key).map_err(bad)?,
            decoding: DecodingKey::from_secret(&key).map_err(bad)?,
            ttl,
        })
    }

    /// The dashboard's page of a monitor.
    pub fn monitor_page(&self, monitor_id: i64) -> String {
        format!("{}/monitors/{monitor_id}", self.base)
    }

    /// The link that acknowledges `incident_id`, sent to `channel_id`, working until `ttl`
    /// after `now_ms`.
    pub fn ack_url(
        &self,
        incident_id: i64,
        channel_id: Option<i64>,
        now_ms: i64,
    ) -> Option<String> {
        let ttl = i64::try_from(self.ttl.as_secs()).unwrap_or(i64::MAX / 2);
        let claims = Claims {
            inc: incident_id,
            ch: channel_id,
            aud: AUDIENCE.to_owned(),
            exp: now_ms / 1000 + ttl,
        };
        let token =
            jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).ok()?;
        Some(format!("{}/ack/{token}", self.base))
    }

    /// The incident a link's token acknowledges (and the channel it was sent to), if it is
    /// ours and still valid.
    pub fn verify(&self, token: &str) -> Result<(i64, Option<i64>), LinkError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "aud"]);
        match jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation) {
            Ok(data) => Ok((data.claims.inc, data.claims.ch)),
            Err(e) if matches!(e.kind(), ErrorKind::ExpiredSignature) => Err(LinkError::Expired),
            Err(_) => Err(LinkError::Invalid),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_acknowledges_its_incident_until_it_expires() {
        let links = Links::new(
            "https://f.example/",
            b"secret-secret-secret-secret-secret",
            Duration::from_secs(3600),
        )
        .expect("links");
        let now = flatline_store::clock::now_ms();
        let url = links.ack_url(42, Some(5), now).expect("signed");
        let token = url
            .strip_prefix("https://f.example/ack/")
            .expect("under the base");
        assert_eq!(links.verify(token), Ok((42, Some(5))));
        let expired = links.ack_url(42, None, now - 7_200_000).expect("signed");
        let expired = expired.rsplit('/').next().expect("token");
        assert_eq!(links.verify(expired), Err(LinkError::Expired));
        let other = Links::new(
            "https://f.example",
            b"another-secret-another-secret-xx",
            Duration::from_secs(3600),
        )
        .expect("links");
        assert_eq!(other.verify(token), Err(LinkError::Invalid));
        assert_eq!(links.verify("not.a.token"), Err(LinkError::Invalid));
        assert_eq!(links.monitor_page(3), "https://f.example/monitors/3");
    }
}
