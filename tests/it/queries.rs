//! The queries every page runs are compiled once per connection and reused:
//! none may be recompiled at each run (SQLite does that silently when a
//! bound value can change the plan: a LIMIT parameter, a comparison against
//! a partial index's condition), which costs more than the query itself.

use crate::common::{self, world};

/// (SQL, times recompiled) of every statement a connection holds that was recompiled.
pub fn recompiled(conn: &rusqlite::Connection) -> Vec<(String, i32)> {
    let mut out = Vec::new();
    // SAFETY: read-only walk over this connection's statements, on its own
    // thread, while no statement is being stepped.
    unsafe {
        let db = conn.handle();
        let mut stmt = rusqlite::ffi::sqlite3_next_stmt(db, std::ptr::null_mut());
        while !stmt.is_null() {
            let n = rusqlite::ffi::sqlite3_stmt_status(stmt, rusqlite::ffi::SQLITE_STMTSTATUS_REPREPARE, 0);
            if n > 0 {
                let sql =
                    std::ffi::CStr::from_ptr(rusqlite::ffi::sqlite3_sql(stmt)).to_string_lossy().into_owned();
                out.push((sql, n));
            }
            stmt = rusqlite::ffi::sqlite3_next_stmt(db, stmt);
        }
    }
    out
}

#[actix_web::test]
async fn page_queries_are_not_recompiled_at_each_run() {
    let app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    let second = app.event_by(w.bob.actor_id, world::event_input("Second"));
    let uuids = [w.event.clone(), second];
    let actors = [w.alice.actor_id, w.bob.actor_id, w.admin.actor_id];
    let found = app
        .db()
        .read_blocking(move |conn| {
            use zerda::db::{comments, events, participants, users};
            for round in 0..3i64 {
                for (i, uuid) in uuids.iter().enumerate() {
                    let event = events::find_event_by_uuid(conn, uuid)?.expect("event");
                    let actor = actors[(i + round as usize) % actors.len()];
                    participants::find_by_actor(conn, event.id, actor)?;
                    participants::find_for_user(conn, event.id, round + 1)?;
                    participants::count_by_role(conn, event.id)?;
                    participants::count_accepted(conn, event.id)?;
                    participants::list_participants(conn, event.id, participants::GOING)?;
                    comments::list_comments(conn, event.id)?;
                    events::list_upcoming_public(conn, common::T0 + round, 12 + round)?;
                    events::list_public_between(
                        conn,
                        common::T0 + round,
                        common::T0 + 1_000_000 + round,
                        500,
                    )?;
                    events::list_for_actors(conn, &[actor], round, common::T0 * 2, false, 100 + round)?;
                    users::admin_exists(conn)?;
                    users::find_profile(conn, actor)?;
                }
            }
            // The check itself sees a statement that is recompiled at each run.
            for limit in [1, 2] {
                conn.prepare_cached("SELECT id FROM events LIMIT ?1")?
                    .query_map([limit], |r| r.get::<_, i64>(0))?
                    .count();
            }
            Ok(recompiled(conn))
        })
        .expect("queries");
    let (control, pages): (Vec<_>, Vec<_>) =
        found.into_iter().partition(|(sql, _)| sql.ends_with("LIMIT ?1"));
    assert_eq!(control.len(), 1, "the detector works: a LIMIT parameter is recompiled");
    assert!(pages.is_empty(), "recompiled at each run: {pages:#?}");
}
