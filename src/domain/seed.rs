//! Generated events for benchmarks and demos (`zerda dev seed --events N`):
//! realistic sizes (descriptions, addresses, tags, a few participants and
//! comments each), created through the same rules as the web forms.

use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::time::Timestamp;
use crate::urls::Urls;

use super::comments::{self, NewText};
use super::events::{self, EventInput};

const TOWNS: &[&str] =
    &["London", "Paris", "Lyon", "Berlin", "Madrid", "Lisboa", "Roma", "Bruxelles", "Nantes"];
const TOPICS: &[&str] =
    &["Repair café", "Board games night", "Choir rehearsal", "Bike ride", "Picnic", "Book club"];

/// Creates `count` events organised by seeded profiles (run `--users` first);
/// returns the uuid of one of them, for benchmarks to request.
pub fn events(db: &Db, urls: &Urls, count: u32, now: Timestamp) -> AppResult<String> {
    let config = crate::config::Config::default();
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
    let mut sample = String::new();
    // Batches keep each write transaction short.
    for batch in (0..count).collect::<Vec<_>>().chunks(500) {
        sample = db.write_blocking(|tx| {
            let mut last = String::new();
            for &n in batch {
                let n = n as usize;
                let organizer = people[n % people.len()];
                let day = now + 86_400 * (1 + (n as i64 % 365));
                let begins =
                    chrono::DateTime::from_timestamp(day, 0).unwrap_or_default().format("%Y-%m-%dT18:30");
                let input = EventInput {
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
                };
                let fields =
                    events::validate(&input).map_err(|_| AppError::internal("seed event invalid"))?;
                let (id, uuid) = events::create(tx, urls, organizer, &fields, false, now)?;
                let event = crate::db::events::find_event(tx, id)?.ok_or(AppError::NotFound)?;
                for k in 1..=(n % 20) {
                    let who = people[(n + k * 7) % people.len()];
                    if who != organizer {
                        let _ = super::participations::join(tx, urls, &event, who, "", now)?;
                    }
                }
                for k in 0..(n % 10) {
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
