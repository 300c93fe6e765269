//! Group todo lists through their pages: lists, todos with a due date and
//! an assignee, marking done, editing, deleting; every action tried by each
//! kind of person; bad input explained and changing nothing; another
//! group's ids useless.

use actix_web::http::StatusCode;

use crate::common::{self, world};
use crate::resources::{club, login_as};

#[actix_web::test]
async fn members_keep_todo_lists() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    let c = club(&mut app, w).await;
    login_as(&mut app, &c.w.bob).await;
    assert!(app.get("/@climbers").await.body.contains("/@climbers/todos"), "members see the way in");
    let list = app.new_todo_list("climbers", "Spring trip").await;
    let carol_id = c.carol.actor_id.to_string();
    let hut = app
        .new_todo(
            &list,
            &[("title", "Book the hut"), ("due_date", "2027-03-31"), ("assigned_to_id", &carol_id)],
        )
        .await;
    let rope = app.new_todo(&list, &[("title", "Check the ropes"), ("status", "true")]).await;
    assert_eq!(
        app.count_text(&format!("SELECT title || '|' || done || '|' || due_date || '|' || assignee_id FROM todos WHERE uuid = '{hut}'")),
        format!("Book the hut|0|2027-03-31|{}", c.carol.actor_id)
    );
    let page = app.get(&format!("/todo-list/{list}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Book the hut") && page.body.contains("due 2027-03-31"), "{}", page.body);
    assert!(page.body.contains("for carol"), "the assignee is named");
    let lists = app.get("/@climbers/todos").await;
    assert!(lists.body.contains("Spring trip") && lists.body.contains("1 to do, 2 in all"), "{}", lists.body);

    // Marked done from the list, then not done again; edited on its page.
    let r = app.post(&format!("/todo/{hut}/done"), &[("status", "true")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.count(&format!("SELECT done FROM todos WHERE uuid = '{hut}'")), 1);
    app.post(&format!("/todo/{hut}/done"), &[("status", "false")]).await;
    assert_eq!(app.count(&format!("SELECT done FROM todos WHERE uuid = '{hut}'")), 0);
    assert_eq!(app.get(&format!("/todo/{hut}")).await.status, StatusCode::OK);
    let r = app
        .post(
            &format!("/todo/{hut}"),
            &[("title", "Book the big hut"), ("due_date", ""), ("assigned_to_id", ""), ("status", "true")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        app.count_text(&format!(
            "SELECT title || '|' || done || '|' || coalesce(due_date, '-') || '|' || coalesce(assignee_id, '-') FROM todos WHERE uuid = '{hut}'"
        )),
        "Book the big hut|1|-|-"
    );
    // Deleting a todo, then the list with the rest.
    assert_eq!(app.post(&format!("/todo/{rope}/delete"), &[]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.get(&format!("/todo/{rope}")).await.status, StatusCode::GONE);
    let r = app.post(&format!("/todo-list/{list}/rename"), &[("title", "Spring trip 2027")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = app.post(&format!("/todo-list/{list}/delete"), &[]).await;
    assert_eq!(r.location(), Some("/@climbers/todos"));
    assert_eq!(app.get(&format!("/todo-list/{list}")).await.status, StatusCode::GONE);
    assert_eq!(app.get(&format!("/todo/{hut}")).await.status, StatusCode::GONE);
    assert_eq!(app.count("SELECT count(*) FROM todos WHERE deleted_at IS NULL OR title <> ''"), 0, "emptied");

    let timeline = app.get("/@climbers/timeline").await;
    for text in [
        "added the todo Book the hut",
        "added the todo Check the ropes",
        "marked the todo Check the ropes as done",
        "marked the todo Book the hut as done",
        "marked the todo Book the big hut as done",
    ] {
        assert!(timeline.body.contains(text), "{text}: {}", timeline.body);
    }
}

#[actix_web::test]
async fn every_action_for_each_kind_of_person() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    let c = club(&mut app, w).await;
    login_as(&mut app, &c.w.alice).await;
    let list = app.new_todo_list("climbers", "Chores").await;
    let todo = app.new_todo(&list, &[("title", "Sweep")]).await;
    let pages = ["/@climbers/todos".to_string(), format!("/todo-list/{list}"), format!("/todo/{todo}")];
    let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
        ("/@climbers/todos".into(), vec![("title", "Intruder list")]),
        (format!("/todo-list/{list}"), vec![("title", "Intruder todo")]),
        (format!("/todo-list/{list}/rename"), vec![("title", "Renamed")]),
        (format!("/todo/{todo}"), vec![("title", "Renamed"), ("status", "true")]),
        (format!("/todo/{todo}/done"), vec![("status", "true")]),
        (format!("/todo/{todo}/delete"), vec![]),
        (format!("/todo-list/{list}/delete"), vec![]),
    ];
    for who in [&c.dave, &c.erin] {
        login_as(&mut app, who).await;
        assert!(!app.get("/@climbers").await.body.contains("/@climbers/todos"));
        let before = app.fingerprint();
        for path in pages.iter().cloned().chain([format!("/todo/{}", uuid::Uuid::new_v4())]) {
            assert_eq!(app.get(&path).await.status, StatusCode::NOT_FOUND, "{} {path}", who.username);
        }
        for (path, fields) in &posts {
            assert_eq!(app.post(path, fields).await.status, StatusCode::NOT_FOUND, "{} {path}", who.username);
        }
        assert_eq!(app.fingerprint(), before, "{}", who.username);
    }
    app.logout_browser();
    let before = app.fingerprint();
    for path in &pages {
        let r = app.get(path).await;
        assert!(r.location().is_some_and(|l| l.starts_with("/login")), "{path}");
    }
    for (path, fields) in &posts {
        assert_eq!(app.post(path, fields).await.status, StatusCode::SEE_OTHER, "{path}");
    }
    assert_eq!(app.fingerprint(), before);
    for (who, title) in [(&c.w.bob, "Bob list"), (&c.carol, "Carol list")] {
        login_as(&mut app, who).await;
        for path in &pages {
            assert_eq!(app.get(path).await.status, StatusCode::OK, "{} {path}", who.username);
        }
        let mine = app.new_todo_list("climbers", title).await;
        let t = app.new_todo(&mine, &[("title", &format!("{title} todo"))]).await;
        assert_eq!(
            app.post(&format!("/todo/{t}/done"), &[("status", "true")]).await.status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(app.post(&format!("/todo-list/{mine}/delete"), &[]).await.status, StatusCode::SEE_OTHER);
        assert_eq!(app.count(&format!("SELECT deleted_at IS NOT NULL FROM todos WHERE uuid = '{t}'")), 1);
    }
}

#[actix_web::test]
async fn bad_todo_forms_are_explained_and_change_nothing() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    let c = club(&mut app, w).await;
    login_as(&mut app, &c.w.bob).await;
    let list = app.new_todo_list("climbers", "Gear").await;
    let todo = app.new_todo(&list, &[("title", "Buy chalk")]).await;
    let (dave, erin) = (c.dave.actor_id.to_string(), c.erin.actor_id.to_string());
    let long = "x".repeat(201);
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (vec![("title", " ")], "title-error"),
        (vec![("title", &long)], "title-error"),
        (vec![("title", "Rope"), ("due_date", "2027-02-30")], "due_date-error"),
        (vec![("title", "Rope"), ("due_date", "31/03/2027")], "due_date-error"),
        (vec![("title", "Rope"), ("due_date", "next week")], "due_date-error"),
        // Someone outside the group, someone only invited, not an id at all.
        (vec![("title", "Rope"), ("assigned_to_id", &dave)], "assigned_to_id-error"),
        (vec![("title", "Rope"), ("assigned_to_id", &erin)], "assigned_to_id-error"),
        (vec![("title", "Rope"), ("assigned_to_id", "bob")], "assigned_to_id-error"),
    ];
    for (fields, marker) in &cases {
        for path in [format!("/todo-list/{list}"), format!("/todo/{todo}")] {
            let before = app.fingerprint();
            let r = app.post(&path, fields).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{path} {fields:?}");
            assert!(r.body.contains(&format!("id=\"{marker}\"")), "{path} {fields:?}: {}", r.body);
            assert_eq!(app.fingerprint(), before, "{path} {fields:?}");
        }
    }
    let r = app.post("/todo-list/x/rename", &[("title", "x")]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let before = app.fingerprint();
    let r = app.post("/@climbers/todos", &[("title", "")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"title-error\"") && r.body.contains("Give it a title."));
    let r = app.post(&format!("/todo-list/{list}/rename"), &[("title", "")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"list-title-error\""));
    assert_eq!(app.fingerprint(), before);
}

#[actix_web::test]
async fn another_groups_todos_are_out_of_reach() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    let c = club(&mut app, w).await;
    login_as(&mut app, &c.dave).await;
    let theirs = app.new_todo_list("walkers", "Walk chores").await;
    let their_todo = app.new_todo(&theirs, &[("title", "Map the trail")]).await;
    login_as(&mut app, &c.w.bob).await;
    let ours = app.new_todo_list("climbers", "Climb chores").await;
    let before = app.fingerprint();
    for path in ["/@walkers/todos".to_string(), format!("/todo-list/{theirs}"), format!("/todo/{their_todo}")]
    {
        assert_eq!(app.get(&path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    let bob = c.w.bob.actor_id.to_string();
    for (path, fields) in [
        (format!("/todo-list/{theirs}"), vec![("title", "Sneaky")]),
        (format!("/todo-list/{theirs}/delete"), vec![]),
        (format!("/todo/{their_todo}"), vec![("title", "Sneaky")]),
        (format!("/todo/{their_todo}/done"), vec![("status", "true")]),
        ("/@walkers/todos".to_string(), vec![("title", "Sneaky")]),
    ] {
        assert_eq!(app.post(&path, &fields).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    // Dave (a walker, not a climber) cannot be given a climbers' todo either.
    let dave = c.dave.actor_id.to_string();
    let r =
        app.post(&format!("/todo-list/{ours}"), &[("title", "For dave"), ("assigned_to_id", &dave)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.fingerprint(), before);
    app.new_todo(&ours, &[("title", "For bob"), ("assigned_to_id", &bob)]).await;
}
