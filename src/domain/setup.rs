//! First start: the instance's secret key, and the one-time setup link that
//! lets the operator create the first administrator.

use rusqlite::{Connection, Transaction};

use crate::db::instance::{self, SECRET_KEY, SETUP_TOKEN_HASH};
use crate::db::users;
use crate::error::{AppError, AppResult};
use crate::secrets;

/// The key behind CSRF tokens and signed cookies, created on first start and
/// kept in the database (so a backup restores it).
pub fn load_or_create_secret(tx: &Transaction) -> AppResult<Vec<u8>> {
    if let Some(existing) = instance::find_setting(tx, SECRET_KEY)?
        && let Some(bytes) = secrets::from_b64url(&existing)
        && bytes.len() >= 32
    {
        return Ok(bytes);
    }
    let fresh = secrets::random_token();
    instance::update_setting(tx, SECRET_KEY, &fresh)?;
    secrets::from_b64url(&fresh).ok_or_else(|| AppError::internal("fresh secret does not decode"))
}

pub fn needs_setup(conn: &Connection) -> AppResult<bool> {
    Ok(!users::admin_exists(conn)?)
}

/// A fresh setup token (replacing any earlier one) while no administrator exists.
pub fn issue_token(tx: &Transaction) -> AppResult<Option<String>> {
    if !needs_setup(tx)? {
        instance::delete_setting(tx, SETUP_TOKEN_HASH)?;
        return Ok(None);
    }
    let token = secrets::random_token();
    instance::update_setting(tx, SETUP_TOKEN_HASH, &secrets::token_hash(&token))?;
    Ok(Some(token))
}

/// True while the token is the current one and no administrator exists yet.
pub fn token_is_valid(conn: &Connection, token: &str) -> AppResult<bool> {
    if !needs_setup(conn)? {
        return Ok(false);
    }
    let Some(stored) = instance::find_setting(conn, SETUP_TOKEN_HASH)? else {
        return Ok(false);
    };
    Ok(secrets::constant_time_eq(stored.as_bytes(), secrets::token_hash(token).as_bytes()))
}

/// Uses the token up; called in the transaction that creates the administrator.
pub fn consume_token(tx: &Transaction) -> AppResult<()> {
    instance::delete_setting(tx, SETUP_TOKEN_HASH)
}
