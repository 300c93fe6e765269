//! Generated events and groups for benchmarks and demos (`zerda dev seed
//! --events N --groups N`): realistic sizes (descriptions, addresses, tags, a
//! few participants and comments each; members, events and posts for each
//! group), created through the same rules as the web forms.

use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::time::Timestamp;
use crate::urls::Urls;

use super::comments::{self, NewText};
use super::events::{self, EventInput};
use super::groups::GroupInput;
use super::posts::PostInput;

const TOWNS: &[&str] =
    &["London", "Paris", "Lyon", "Berlin", "Madrid", "Lisboa", "Roma", "Bruxelles", "Nantes"];
const TOPICS: &[&str] =
    &["Repair café", "Board games night", "Choir rehearsal", "Bike ride", "Picnic", "Book club"];

/// The seeded profiles (run `--users` first).
fn seeded_people(db: &Db) -> AppResult<Vec<i64>> {
    let people: Vec<i64> = db.read_blocking(|conn| {
        let mut stmt = conn.prepare(
            "SELECT id FROM actors WHERE domain IS NULL AND preferred_username LIKE 'seed\\_%' ESCAPE '\\' ORDER BY id",
        )?;
        let ids = stmt.query_map([], |r| r.get(0))?.collect::<Result<Vec<i64>, _>>()?;
        Ok(ids)
    })?;
    if people.is_empty() {
        return Err(AppError::internal("seed accounts first (--users)"));
    }
    Ok(people)
}

fn event_input(n: usize, now: Timestamp) -> EventInput {
    let day = now + 86_400 * (1 + (n as i64 % 365));
    let begins = chrono::DateTime::from_timestamp(day, 0).unwrap_or_default().format("%Y-%m-%dT18:30");
    EventInput {
        title: format!("{} #{n}", TOPICS[n % TOPICS.len()]),
        description: format!(
            "Come along to the **{}** in {}.\n\nBring friends, food to share and good spirits. \
             Everyone is welcome, whatever your experience. [More](https://example.org/{n})",
            TOPICS[n % TOPICS.len()],
            TOWNS[n % TOWNS.len()]
        ),
        begins_on: begins.to_string(),
        address_description: "Community hall".into(),
        address_street: format!("{} High Street", n % 200 + 1),
        address_locality: TOWNS[n % TOWNS.len()].into(),
        address_country: "Europe".into(),
        tags: "community, seed".into(),
        maximum_attendee_capacity: "50".into(),
        anonymous_participation: true,
        language: "en".into(),
        ..EventInput::new("Europe/Paris")
    }
}

/// Creates `count` events organised by seeded profiles (run `--users` first);
/// returns the uuid of one of them, for benchmarks to request.
pub fn events(db: &Db, urls: &Urls, count: u32, now: Timestamp) -> AppResult<String> {
    let config = crate::config::Config::default();
    let people = seeded_people(db)?;
    let mut sample = String::new();
    // Batches keep each write transaction short.
    for batch in (0..count).collect::<Vec<_>>().chunks(500) {
        sample = db.write_blocking(|tx| {
            let mut last = String::new();
            for &n in batch {
                let n = n as usize;
                let organizer = people[n % people.len()];
                let input = event_input(n, now);
                let fields =
                    events::validate(&input).map_err(|_| AppError::internal("seed event invalid"))?;
                let (id, uuid) = events::create(tx, urls, organizer, &fields, false, now)?;
                let event = crate::db::events::find_event(tx, id)?.ok_or(AppError::NotFound)?;
                for k in 1..=(n % 41) {
                    let who = people[(n + k * 7) % people.len()];
                    if who != organizer {
                        let _ = super::participations::join(tx, urls, &event, who, "", now)?;
                    }
                }
                for k in 0..(n % 21) {
                    let who = people[(n + k * 13) % people.len()];
                    let text = format!("Looking forward to it! Comment {k}.");
                    let input = NewText { text: &text, in_reply_to: None, is_announcement: false };
                    let _ = comments::create(tx, &config, urls, &event, who, false, &input, now)?;
                }
                last = uuid;
            }
            Ok(last)
        })?;
    }
    Ok(sample)
}

/// What a benchmark requests of the seeded groups.
pub struct GroupSample {
    pub handle: String,
    pub post_slug: String,
}

/// Creates `count` open groups founded by seeded profiles, each with 20
/// members (two moderators), 5 upcoming events and 10 public posts; returns
/// the last group's handle and one of its posts.
pub fn groups(db: &Db, urls: &Urls, count: u32, now: Timestamp) -> AppResult<GroupSample> {
    let config = crate::config::Config::default();
    let people = seeded_people(db)?;
    let start: i64 =
        db.read_blocking(|conn| Ok(conn.query_row("SELECT count(*) FROM groups", [], |r| r.get(0))?))?;
    let mut sample = GroupSample { handle: String::new(), post_slug: String::new() };
    for batch in (0..count as usize).collect::<Vec<_>>().chunks(50) {
        sample = db.write_blocking(|tx| {
            let mut last = GroupSample { handle: String::new(), post_slug: String::new() };
            for &n in batch {
                let town = TOWNS[n % TOWNS.len()];
                let creator = people[n % people.len()];
                let username = format!("seed_group_{}", start + n as i64);
                let input = GroupInput {
                    username: username.clone(),
                    name: format!("{} of {town}", TOPICS[n % TOPICS.len()]),
                    summary: format!(
                        "We meet in **{town}** every month. Newcomers are welcome; bring a friend."
                    ),
                    openness: "open".into(),
                    address_locality: town.into(),
                    address_country: "Europe".into(),
                    ..GroupInput::default()
                };
                let group = super::groups::create(tx, urls, creator, &input, now)?;
                let mut members = Vec::new();
                for k in 1..=20 {
                    let who = people[(n * 31 + k * 7) % people.len()];
                    if who != creator && super::members::join(tx, &config, urls, &group, who, now)?.is_ok() {
                        members.push(who);
                    }
                }
                for &who in members.iter().take(2) {
                    if let Some(m) = crate::db::members::find_between(tx, group.id, who)? {
                        crate::db::members::update_role(tx, m.id, "moderator", now)?;
                    }
                }
                for k in 0..5 {
                    let fields = events::validate(&event_input(n * 5 + k, now))
                        .map_err(|_| AppError::internal("seed event invalid"))?;
                    events::create_for_group(tx, urls, creator, group.id, &fields, false, now)?;
                }
                for k in 0..10 {
                    let post = PostInput {
                        title: format!("News from {town}, part {k}"),
                        body: format!(
                            "Our last meeting in {town} gathered many of you. **Thank you!**\n\n\
                             Next time we will talk about the programme for the season. [Photos](https://example.org/{n}/{k})"
                        ),
                        tags: "news, seed".into(),
                        ..PostInput::new()
                    };
                    let fields =
                        super::posts::validate(&post).map_err(|_| AppError::internal("seed post invalid"))?;
                    let created = super::posts::create(tx, urls, &group, creator, &fields, false, None, now)?;
                    last.post_slug = created.slug;
                }
                last.handle = username;
            }
            Ok(last)
        })?;
    }
    Ok(sample)
}
