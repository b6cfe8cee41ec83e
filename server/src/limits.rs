//! Rate limits per client address, so invite tokens cannot be probed: every failed invite
//! lookup or registration (unknown, used or expired token) takes a token from the address's
//! bucket, and an address with an empty bucket is answered `429` with a Japanese message until
//! it refills. Honest use — opening one's own link and registering — never empties it.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

/// Failed attempts an address may make in a burst.
pub const FAILED_ATTEMPTS_BURST: f64 = 10.0;
/// Failed attempts an address regains per second (one every 6 seconds).
pub const FAILED_ATTEMPTS_PER_SECOND: f64 = 1.0 / 6.0;
/// Addresses remembered at most; full buckets are forgotten first.
const MAX_ADDRESSES: usize = 100_000;

struct Bucket {
    tokens: f64,
    at: Instant,
}

/// One token bucket per client address.
pub struct RateLimiter {
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
    burst: f64,
    per_second: f64,
}

impl Default for RateLimiter {
    fn default() -> Self {
        RateLimiter::new(FAILED_ATTEMPTS_BURST, FAILED_ATTEMPTS_PER_SECOND)
    }
}

impl RateLimiter {
    /// A limiter allowing `burst` failures at once and `per_second` more each second.
    pub fn new(burst: f64, per_second: f64) -> RateLimiter {
        RateLimiter { buckets: Mutex::new(HashMap::new()), burst, per_second }
    }

    fn refilled(&self, bucket: &Bucket, now: Instant) -> f64 {
        (bucket.tokens + now.saturating_duration_since(bucket.at).as_secs_f64() * self.per_second).min(self.burst)
    }

    /// Whether `address` has used up its failures (it must wait).
    pub fn exhausted(&self, address: IpAddr, now: Instant) -> bool {
        let buckets = self.buckets.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        buckets.get(&address).is_some_and(|bucket| self.refilled(bucket, now) < 1.0)
    }

    /// `address` failed once.
    pub fn charge(&self, address: IpAddr, now: Instant) {
        let mut buckets = self.buckets.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if buckets.len() >= MAX_ADDRESSES {
            buckets.retain(|_, bucket| self.refilled(bucket, now) < self.burst);
        }
        let tokens = buckets.get(&address).map_or(self.burst, |bucket| self.refilled(bucket, now));
        buckets.insert(address, Bucket { tokens: (tokens - 1.0).max(0.0), at: now });
    }
}

/// The address the request came from (the TCP peer; unspecified when unknown, as in tests
/// that call the router directly).
#[derive(Debug, Clone, Copy)]
pub struct ClientAddress(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip());
        Ok(ClientAddress(peer.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn failures_empty_the_bucket_and_time_refills_it() {
        let limiter = RateLimiter::new(3.0, 0.5);
        let (a, b) = (IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)), IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)));
        let now = Instant::now();
        for _ in 0..3 {
            assert!(!limiter.exhausted(a, now));
            limiter.charge(a, now);
        }
        assert!(limiter.exhausted(a, now), "three failures at once use the burst");
        assert!(!limiter.exhausted(b, now), "another address is not affected");
        assert!(limiter.exhausted(a, now + Duration::from_millis(1900)));
        assert!(!limiter.exhausted(a, now + Duration::from_secs(2)), "one failure back after 2 s");
    }
}
