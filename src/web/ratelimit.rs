//! In-memory token buckets per (action, client). Losing them on restart is
//! harmless; they only slow down guessing and flooding.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use crate::error::AppError;

#[derive(Debug, Clone, Copy)]
pub struct Limit {
    /// Requests allowed at once.
    pub burst: f64,
    /// Requests regained per second.
    pub per_second: f64,
}

/// Login: bursts of 10, then one a minute (SECURITY.md 2.4).
pub const LOGIN: Limit = Limit { burst: 10.0, per_second: 1.0 / 60.0 };
/// The setup page guards the first administrator account.
pub const SETUP: Limit = Limit { burst: 10.0, per_second: 1.0 / 60.0 };

/// Registration: five accounts an hour from one address.
pub const REGISTER: Limit = Limit { burst: 5.0, per_second: 5.0 / 3600.0 };
/// Password reset and confirmation resend requests: five an hour from one address.
pub const MAIL_REQUEST: Limit = Limit { burst: 5.0, per_second: 5.0 / 3600.0 };

/// Remote lookups per client: each may cost this server a few fetches.
pub const LOOKUP: Limit = Limit { burst: 10.0, per_second: 30.0 / 3600.0 };

/// Anonymous participation requests: five an hour from one address (SECURITY.md 2.4).
pub const ANONYMOUS_PARTICIPATION: Limit = Limit { burst: 5.0, per_second: 5.0 / 3600.0 };

/// Per e-mail address typed at login, whoever types it: ten an hour (slows
/// down guessing one account's password from many addresses).
pub const LOGIN_ACCOUNT: Limit = Limit { burst: 10.0, per_second: 10.0 / 3600.0 };
/// Per e-mail address: registrations, resends and resets that send it mail,
/// so that nobody can use the instance to flood someone's inbox.
pub const MAIL_TO_ADDRESS: Limit = Limit { burst: 3.0, per_second: 3.0 / 3600.0 };

/// The key for a per-address limit: case does not make a new address.
pub fn address_key(email: &str) -> String {
    email.trim().to_lowercase()
}

const MAX_KEYS: usize = 50_000;

#[derive(Default)]
pub struct RateLimits {
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimits {
    /// Takes one token for `key`, or says how long to wait.
    pub fn check(&self, action: &str, client: &str, limit: Limit) -> Result<(), AppError> {
        self.check_at(action, client, limit, Instant::now())
    }

    pub fn check_at(&self, action: &str, client: &str, limit: Limit, now: Instant) -> Result<(), AppError> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() >= MAX_KEYS {
            // Forget full buckets first: they hold no information.
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * 1e-3 < limit.burst
            });
            if buckets.len() >= MAX_KEYS {
                buckets.clear();
            }
        }
        let key = format!("{action}|{client}");
        let (tokens, at) = buckets.entry(key).or_insert((limit.burst, now));
        let refilled = (*tokens + now.duration_since(*at).as_secs_f64() * limit.per_second).min(limit.burst);
        if refilled >= 1.0 {
            *tokens = refilled - 1.0;
            *at = now;
            Ok(())
        } else {
            let wait = ((1.0 - refilled) / limit.per_second).ceil() as u64;
            Err(AppError::TooManyRequests { retry_after: wait.max(1) })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn bursts_then_refills() {
        let limits = RateLimits::default();
        let start = Instant::now();
        let limit = Limit { burst: 3.0, per_second: 1.0 };
        for _ in 0..3 {
            assert!(limits.check_at("login", "1.2.3.4", limit, start).is_ok());
        }
        match limits.check_at("login", "1.2.3.4", limit, start) {
            Err(AppError::TooManyRequests { retry_after }) => assert_eq!(retry_after, 1),
            other => panic!("expected 429, got {other:?}"),
        }
        assert!(limits.check_at("login", "5.6.7.8", limit, start).is_ok(), "other clients unaffected");
        assert!(limits.check_at("login", "1.2.3.4", limit, start + Duration::from_secs(1)).is_ok());
    }
}
