//! The standard world: an administrator and two plain users, each with a
//! profile. Created through the same domain functions the web forms use.

use zerda::db::Db;
use zerda::db::users::Role;
use zerda::domain::accounts::{self, AccountInput};
use zerda::urls::Urls;

pub const PASSWORD: &str = "a long enough password";

pub struct Person {
    pub email: String,
    pub username: String,
    pub user_id: i64,
    pub actor_id: i64,
}

pub struct World {
    pub admin: Person,
    pub alice: Person,
    pub bob: Person,
}

pub fn create_account(db: &Db, urls: &Urls, username: &str, role: Role, now: i64) -> Person {
    // One shared hash keeps tests fast: Argon2 is slow on purpose.
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let hash = HASH.get_or_init(|| zerda::domain::passwords::hash(PASSWORD).expect("hash")).clone();
    let input = AccountInput {
        email: format!("{username}@example.org"),
        username: username.to_string(),
        display_name: String::new(),
        password: PASSWORD.to_string(),
    };
    let (user_id, actor_id) = db
        .write_blocking(|tx| accounts::create(tx, urls, &input, &hash, role, None, true, now))
        .expect("create account");
    Person { email: input.email, username: username.into(), user_id, actor_id }
}

pub fn standard(db: &Db, urls: &Urls, now: i64) -> World {
    World {
        admin: create_account(db, urls, "admin", Role::Administrator, now),
        alice: create_account(db, urls, "alice", Role::User, now),
        bob: create_account(db, urls, "bob", Role::User, now),
    }
}
