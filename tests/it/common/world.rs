//! The standard world: an administrator and two plain users, each with a
//! profile. Created through the same domain functions the web forms use.

use zerda::db::Db;
use zerda::db::users::Role;
use zerda::domain::accounts::{self, AccountInput};
use zerda::domain::events::{self, EventInput};
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
    /// A published public event organised by alice, in Europe/London, with
    /// 10 places and anonymous participation allowed.
    pub event: String,
}

/// A valid event form for tests to start from (change what the test is about).
pub fn event_input(title: &str) -> EventInput {
    EventInput {
        title: title.into(),
        description: "Bring a blanket.".into(),
        begins_on: "2027-06-12T12:00".into(),
        ends_on: "2027-06-12T15:00".into(),
        address_description: "Hyde Park".into(),
        address_locality: "London".into(),
        maximum_attendee_capacity: "10".into(),
        anonymous_participation: true,
        ..EventInput::new("Europe/London")
    }
}

/// Creates an event through the domain, as the form would.
pub fn create_event(
    db: &Db,
    urls: &Urls,
    organizer_id: i64,
    input: &EventInput,
    draft: bool,
    now: i64,
) -> String {
    let fields = events::validate(input).expect("valid event");
    db.write_blocking(|tx| events::create(tx, urls, organizer_id, &fields, draft, now))
        .expect("create event")
        .1
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
    let admin = create_account(db, urls, "admin", Role::Administrator, now);
    let alice = create_account(db, urls, "alice", Role::User, now);
    let bob = create_account(db, urls, "bob", Role::User, now);
    let event = create_event(db, urls, alice.actor_id, &event_input("Picnic in the park"), false, now);
    World { admin, alice, bob, event }
}
