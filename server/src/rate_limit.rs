//! Per-client rate limit on score requests: a token bucket per client address.
//!
//! Why: every response reveals one noisy linear functional of each product's model, so 9 chosen
//! queries reveal a product's 8 weights and bias (`docs/security.md`); the number of queries a
//! client may make is the only limit on model extraction. The limit is per client address
//! (IPv4 address, or the /64 prefix of an IPv6 address, since one host usually holds a whole
//! /64). A client gets `burst` requests at once and then `per_minute` per minute.
//!
//! Hand-written rather than `governor`/`tower_governor`: it is a map of two numbers per client
//! behind one mutex, taken once per score request (whose evaluation costs far more than the
//! lock), and it needs the response's `Retry-After`, which this gives directly. The map is
//! pruned of clients whose bucket has refilled, so it stays bounded by the clients active in
//! the last `burst / per_minute` minutes.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The limit: `burst` requests at once, refilled at `per_minute` per minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Sustained requests per minute per client (at least 1).
    pub per_minute: u32,
    /// Requests a client may make at once (at least 1).
    pub burst: u32,
}

/// A client's bucket: tokens left at `updated`.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// Entries kept before the map is pruned of refilled buckets.
const PRUNE_AT: usize = 4096;

/// Token buckets keyed by client address.
#[derive(Debug)]
pub struct RateLimiter {
    limit: RateLimit,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

impl RateLimiter {
    /// A limiter enforcing `limit` (zero values count as 1).
    pub fn new(limit: RateLimit) -> Self {
        Self {
            limit: RateLimit {
                per_minute: limit.per_minute.max(1),
                burst: limit.burst.max(1),
            },
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// The limit enforced.
    pub fn limit(&self) -> RateLimit {
        self.limit
    }

    fn rate_per_sec(&self) -> f64 {
        f64::from(self.limit.per_minute) / 60.0
    }

    /// Takes one token for `client` at time `now`.
    ///
    /// # Errors
    /// The time until the next token when the bucket is empty.
    pub fn check(&self, client: IpAddr, now: Instant) -> Result<(), Duration> {
        let key = client_key(client);
        let burst = f64::from(self.limit.burst);
        let rate = self.rate_per_sec();
        // A poisoned lock only means another request panicked while holding it; the map of
        // counters is still usable.
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() >= PRUNE_AT {
            buckets.retain(|_, b| {
                b.tokens + now.saturating_duration_since(b.updated).as_secs_f64() * rate < burst
            });
        }
        let bucket = buckets.entry(key).or_insert(Bucket {
            tokens: burst,
            updated: now,
        });
        let refilled =
            bucket.tokens + now.saturating_duration_since(bucket.updated).as_secs_f64() * rate;
        bucket.tokens = refilled.min(burst);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / rate))
        }
    }

    /// Clients currently tracked.
    pub fn tracked_clients(&self) -> usize {
        self.buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len()
    }
}

/// The key of a client: its IPv4 address (also when mapped into IPv6), or its IPv6 /64.
fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut segments = v6.segments();
                for s in segments.iter_mut().skip(4) {
                    *s = 0;
                }
                IpAddr::V6(segments.into())
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn burst_then_refusal_then_refill() {
        let limiter = RateLimiter::new(RateLimit {
            per_minute: 60,
            burst: 3,
        });
        let t0 = Instant::now();
        let a = ip("192.0.2.1");
        for _ in 0..3 {
            assert_eq!(limiter.check(a, t0), Ok(()));
        }
        let wait = limiter.check(a, t0).unwrap_err();
        // One token per second: the next is a second away.
        assert!((wait.as_secs_f64() - 1.0).abs() < 1e-9, "{wait:?}");
        // Another client is not affected.
        assert_eq!(limiter.check(ip("192.0.2.2"), t0), Ok(()));
        // After a second, exactly one more.
        let t1 = t0 + Duration::from_secs(1);
        assert_eq!(limiter.check(a, t1), Ok(()));
        assert!(limiter.check(a, t1).is_err());
        // A long pause refills to the burst, no more.
        let t2 = t1 + Duration::from_secs(3600);
        for _ in 0..3 {
            assert_eq!(limiter.check(a, t2), Ok(()));
        }
        assert!(limiter.check(a, t2).is_err());
    }

    #[test]
    fn ipv6_clients_share_their_64_prefix() {
        let limiter = RateLimiter::new(RateLimit {
            per_minute: 1,
            burst: 1,
        });
        let t0 = Instant::now();
        assert_eq!(limiter.check(ip("2001:db8:1:2::1"), t0), Ok(()));
        assert!(limiter.check(ip("2001:db8:1:2:ffff::9"), t0).is_err());
        assert_eq!(limiter.check(ip("2001:db8:1:3::1"), t0), Ok(()));
        // An IPv4-mapped address is its IPv4 client.
        assert_eq!(limiter.check(ip("198.51.100.7"), t0), Ok(()));
        assert!(limiter.check(ip("::ffff:198.51.100.7"), t0).is_err());
    }

    #[test]
    fn refilled_clients_are_pruned() {
        let limiter = RateLimiter::new(RateLimit {
            per_minute: 60,
            burst: 1,
        });
        let t0 = Instant::now();
        for i in 0..PRUNE_AT {
            let addr = IpAddr::from((0x0a00_0000u32 + i as u32).to_be_bytes());
            assert_eq!(limiter.check(addr, t0), Ok(()));
        }
        assert_eq!(limiter.tracked_clients(), PRUNE_AT);
        // Two seconds later every bucket has refilled: the next check prunes them all.
        assert_eq!(
            limiter.check(ip("192.0.2.9"), t0 + Duration::from_secs(2)),
            Ok(())
        );
        assert_eq!(limiter.tracked_clients(), 1);
    }
}
