//! Values the instance generates for itself, kept in `instance_settings`.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::error::AppResult;

pub const SECRET_KEY: &str = "secret_key";
pub const SETUP_TOKEN_HASH: &str = "setup_token_hash";

pub fn find_setting(conn: &Connection, key: &str) -> AppResult<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT value FROM instance_settings WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

pub fn update_setting(tx: &Transaction, key: &str, value: &str) -> AppResult<()> {
    tx.execute(
        "INSERT INTO instance_settings (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

pub fn delete_setting(tx: &Transaction, key: &str) -> AppResult<()> {
    tx.execute("DELETE FROM instance_settings WHERE key = ?1", [key])?;
    Ok(())
}
