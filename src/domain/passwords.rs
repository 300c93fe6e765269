//! Password hashing: Argon2id with the argon2 crate's defaults (m = 19 MiB,
//! t = 2, p = 1), PHC strings. Hashing is slow on purpose; callers run it on a
//! blocking thread behind a small semaphore so a login flood queues, not OOMs.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Argon2, Params};

pub const MIN_LENGTH: usize = 8;
pub const MAX_LENGTH: usize = 1024;

/// What is wrong with a new password, if anything.
pub fn length_problem(password: &str) -> Option<&'static str> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        Some(msg!("A password needs at least 8 characters."))
    } else if length > MAX_LENGTH {
        Some(msg!("A password can have at most 1024 characters."))
    } else {
        None
    }
}

pub fn hash(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| e.to_string())?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Checks a password. With no stored hash (unknown account), a fixed dummy
/// hash is checked instead so that the answer takes the same time.
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let candidate = match stored {
        Some(s) => s,
        None => DUMMY.get_or_init(|| hash("no such account").unwrap_or_default()),
    };
    let Ok(parsed) = PasswordHash::new(candidate) else {
        return false;
    };
    let ok = Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok();
    ok && stored.is_some()
}

/// True when a stored hash uses weaker parameters than today's policy.
pub fn needs_rehash(stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return true;
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return true;
    };
    let policy = Params::default();
    parsed.algorithm.as_str() != "argon2id"
        || params.m_cost() < policy.m_cost()
        || params.t_cost() < policy.t_cost()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_use_argon2id_defaults() {
        let h = hash("correct horse").expect("hashes");
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify("correct horse", Some(&h)));
        assert!(!verify("wrong horse", Some(&h)));
        assert!(!verify("correct horse", None));
        assert!(!needs_rehash(&h));
        assert!(needs_rehash("$argon2id$v=19$m=4096,t=1,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNo"));
        assert!(needs_rehash("garbage"));
    }
}
