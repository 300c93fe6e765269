//! Accounts (`users`) and their local profiles (`actors` with a `user_id`).

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use crate::error::AppResult;
use crate::time::Timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    User,
    Moderator,
    Administrator,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Moderator => "moderator",
            Role::Administrator => "administrator",
        }
    }

    fn parse(s: &str) -> Role {
        match s {
            "administrator" => Role::Administrator,
            "moderator" => Role::Moderator,
            _ => Role::User,
        }
    }
}

#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub password_hash: String,
    pub role: Role,
    pub locale: Option<String>,
    pub timezone: Option<String>,
    pub confirmed: bool,
    pub disabled: bool,
    pub default_actor_id: Option<i64>,
}

const USER_COLUMNS: &str =
    "id, email, password_hash, role, locale, timezone, confirmed_at IS NOT NULL, disabled, default_actor_id";

fn user_from_row(r: &Row) -> rusqlite::Result<User> {
    Ok(User {
        id: r.get(0)?,
        email: r.get(1)?,
        password_hash: r.get(2)?,
        role: Role::parse(&r.get::<_, String>(3)?),
        locale: r.get(4)?,
        timezone: r.get(5)?,
        confirmed: r.get(6)?,
        disabled: r.get(7)?,
        default_actor_id: r.get(8)?,
    })
}

pub fn find_user_by_email(conn: &Connection, email: &str) -> AppResult<Option<User>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE email = ?1");
    Ok(conn.prepare_cached(&sql)?.query_row([email], user_from_row).optional()?)
}

pub fn find_user(conn: &Connection, id: i64) -> AppResult<Option<User>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1");
    Ok(conn.prepare_cached(&sql)?.query_row([id], user_from_row).optional()?)
}

/// Whether any usable administrator account exists (an index lookup).
pub fn admin_exists(conn: &Connection) -> AppResult<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM users WHERE role = 'administrator' AND disabled = 0)")?
        .query_row([], |r| r.get(0))?)
}

/// Administrators who can be written to: (address, language), confirmed and active.
pub fn list_admin_recipients(conn: &Connection) -> AppResult<Vec<(String, Option<String>)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT email, locale FROM users WHERE role = 'administrator' AND disabled = 0 AND confirmed_at IS NOT NULL
         ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
    Ok(rows)
}

pub fn count_admins(conn: &Connection) -> AppResult<i64> {
    Ok(conn
        .prepare_cached("SELECT count(*) FROM users WHERE role = 'administrator' AND disabled = 0")?
        .query_row([], |r| r.get(0))?)
}

pub fn count_users(conn: &Connection) -> AppResult<i64> {
    Ok(conn.prepare_cached("SELECT count(*) FROM users")?.query_row([], |r| r.get(0))?)
}

pub fn username_taken(conn: &Connection, username: &str) -> AppResult<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM actors WHERE preferred_username = ?1 AND domain IS NULL)",
        )?
        .query_row([username], |r| r.get(0))?)
}

pub struct NewUser<'a> {
    pub email: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub locale: Option<&'a str>,
    pub confirmed: bool,
}

pub fn insert_user(tx: &Transaction, user: &NewUser, now: Timestamp) -> AppResult<i64> {
    tx.execute(
        "INSERT INTO users (email, password_hash, role, locale, confirmed_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            user.email,
            user.password_hash,
            user.role.as_str(),
            user.locale,
            user.confirmed.then_some(now),
            now
        ],
    )?;
    Ok(tx.last_insert_rowid())
}

pub fn update_last_login(tx: &Transaction, user_id: i64, now: Timestamp) -> AppResult<()> {
    tx.execute("UPDATE users SET last_login_at = ?2 WHERE id = ?1", params![user_id, now])?;
    Ok(())
}

pub fn update_password_hash(tx: &Transaction, user_id: i64, hash: &str) -> AppResult<()> {
    tx.execute("UPDATE users SET password_hash = ?2 WHERE id = ?1", params![user_id, hash])?;
    Ok(())
}

pub struct NewPerson<'a> {
    pub ap_id: &'a str,
    pub username: &'a str,
    pub name: &'a str,
    pub user_id: i64,
    pub inbox_url: &'a str,
    pub shared_inbox_url: &'a str,
    pub outbox_url: &'a str,
    pub followers_url: &'a str,
}

/// Inserts a local profile and makes it the account's default if it has none.
pub fn insert_person(tx: &Transaction, p: &NewPerson, now: Timestamp) -> AppResult<i64> {
    tx.execute(
        "INSERT INTO actors (ap_id, kind, preferred_username, name, user_id, inbox_url,
                             shared_inbox_url, outbox_url, followers_url, created_at, updated_at)
         VALUES (?1, 'Person', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
        params![
            p.ap_id,
            p.username,
            p.name,
            p.user_id,
            p.inbox_url,
            p.shared_inbox_url,
            p.outbox_url,
            p.followers_url,
            now
        ],
    )?;
    let id = tx.last_insert_rowid();
    tx.execute(
        "UPDATE users SET default_actor_id = ?2 WHERE id = ?1 AND default_actor_id IS NULL",
        params![p.user_id, id],
    )?;
    Ok(id)
}

#[derive(Debug, Clone)]
pub struct Profile {
    pub id: i64,
    pub username: String,
    pub name: String,
}

pub fn find_profile(conn: &Connection, actor_id: i64) -> AppResult<Option<Profile>> {
    Ok(conn
        .prepare_cached("SELECT id, preferred_username, name FROM actors WHERE id = ?1 AND domain IS NULL")?
        .query_row([actor_id], |r| Ok(Profile { id: r.get(0)?, username: r.get(1)?, name: r.get(2)? }))
        .optional()?)
}

pub fn confirm_user(tx: &Transaction, user_id: i64, now: Timestamp) -> AppResult<()> {
    tx.execute(
        "UPDATE users SET confirmed_at = ?2 WHERE id = ?1 AND confirmed_at IS NULL",
        params![user_id, now],
    )?;
    Ok(())
}

/// Removes accounts never confirmed, created before `before` (their profiles go with them).
pub fn delete_unconfirmed_before(tx: &Transaction, before: Timestamp) -> AppResult<usize> {
    Ok(tx.execute("DELETE FROM users WHERE confirmed_at IS NULL AND created_at < ?1", [before])?)
}

pub fn update_preferences(tx: &Transaction, user_id: i64, locale: &str, timezone: &str) -> AppResult<()> {
    tx.execute(
        "UPDATE users SET locale = ?2, timezone = ?3 WHERE id = ?1",
        params![user_id, locale, timezone],
    )?;
    Ok(())
}

pub fn update_email(tx: &Transaction, user_id: i64, email: &str) -> AppResult<()> {
    tx.execute("UPDATE users SET email = ?2 WHERE id = ?1", params![user_id, email])?;
    Ok(())
}

/// Deletes an account; its profiles, sessions and tokens go with it.
pub fn delete_user(tx: &Transaction, user_id: i64) -> AppResult<()> {
    tx.execute("DELETE FROM users WHERE id = ?1", [user_id])?;
    Ok(())
}
