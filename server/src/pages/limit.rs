//! The per-address limit of the public routes (status pages, badges).

use std::net::IpAddr;
use std::num::NonZeroU32;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::ApiError;

/// The per-address limit of the public routes (status pages, badges): a burst of ten
/// seconds' worth, then `per_second`. Addresses are the TCP peer's (behind a reverse proxy,
/// that is the proxy).
pub struct PublicLimit {
    limiter: Option<DefaultKeyedRateLimiter<IpAddr>>,
    clock: DefaultClock,
}

impl PublicLimit {
    /// `per_second` requests per second per address; 0 for no limit.
    pub fn new(per_second: u32) -> Self {
        let limiter = NonZeroU32::new(per_second).map(|rate| {
            let burst = NonZeroU32::new(per_second.saturating_mul(10)).unwrap_or(rate);
            RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst))
        });
        Self {
            limiter,
            clock: DefaultClock::default(),
        }
    }

    /// Counts a request from `address`: `Err(seconds to wait)` when over the limit.
    fn check(&self, address: IpAddr) -> Result<(), u64> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        if limiter.len() > 100_000 {
            limiter.retain_recent();
        }
        limiter
            .check_key(&address)
            .map_err(|n| n.wait_time_from(self.clock.now()).as_secs().max(1))
    }
}

/// Middleware of the public scopes: refuses an address over its limit with 429.
pub async fn rate_limit(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if let (Some(limit), Some(peer)) = (req.app_data::<web::Data<PublicLimit>>(), req.peer_addr()) {
        if let Err(wait) = limit.check(peer.ip()) {
            return Err(ApiError::RateLimited(format!(
                "too many requests from this address; try again in {wait} s"
            ))
            .into());
        }
    }
    next.call(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_refuses_past_the_burst() {
        let limit = PublicLimit::new(1);
        let a: IpAddr = [127, 0, 0, 1].into();
        let b: IpAddr = [127, 0, 0, 2].into();
        for _ in 0..10 {
            assert!(limit.check(a).is_ok());
        }
        assert!(limit.check(a).is_err());
        assert!(limit.check(b).is_ok(), "another address has its own budget");
        assert!(PublicLimit::new(0).check(a).is_ok());
    }
}
