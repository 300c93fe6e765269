//! Every local URL and ActivityPub id is built here and only here.
//! Paths (for links in our own pages) are plain functions; absolute URLs
//! (for mails, feeds and federation) go through `Urls`, which knows the base.

#[derive(Debug, Clone)]
pub struct Urls {
    base: String,
    /// host[:port] of the base, computed once: every request needs it.
    host: String,
}

impl Urls {
    /// `base` is the public URL without a trailing slash.
    pub fn new(base: &str) -> Urls {
        let base = base.trim_end_matches('/').to_string();
        let host = url::Url::parse(&base)
            .ok()
            .and_then(|u| {
                u.host_str().map(|h| match u.port() {
                    Some(p) => format!("{h}:{p}"),
                    None => h.to_string(),
                })
            })
            .unwrap_or_default();
        Urls { base, host }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn absolute(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn actor(&self, username: &str) -> String {
        self.absolute(&actor(username))
    }

    pub fn actor_inbox(&self, username: &str) -> String {
        self.absolute(&format!("{}/inbox", actor(username)))
    }

    pub fn actor_outbox(&self, username: &str) -> String {
        self.absolute(&format!("{}/outbox", actor(username)))
    }

    pub fn actor_followers(&self, username: &str) -> String {
        self.absolute(&format!("{}/followers", actor(username)))
    }

    /// A profile's collection (`outbox`, `followers`, `following`).
    pub fn actor_collection(&self, username: &str, name: &str) -> String {
        self.absolute(&format!("{}/{name}", actor(username)))
    }

    /// The instance actor (Mobilizon's "relay").
    pub fn relay(&self) -> String {
        self.absolute("/relay")
    }

    /// One of the instance actor's collections.
    pub fn relay_collection(&self, name: &str) -> String {
        self.absolute(&format!("/relay/{name}"))
    }

    /// One of our Follow activities, as Mobilizon names them.
    pub fn follow(&self, uuid: &str) -> String {
        self.absolute(&format!("/follow/{uuid}"))
    }

    /// The Undo that ends one of our follows.
    pub fn unfollow(&self, uuid: &str) -> String {
        self.absolute(&format!("/unfollow/{uuid}/activity"))
    }

    /// Our Accept or Reject of a Follow (`/accept/follow/<uuid>`).
    pub fn follow_answer(&self, accept: bool, uuid: &str) -> String {
        let kind = if accept { "accept" } else { "reject" };
        self.absolute(&format!("/{kind}/follow/{uuid}"))
    }

    pub fn shared_inbox(&self) -> String {
        self.absolute("/inbox")
    }

    pub fn event(&self, uuid: &str) -> String {
        self.absolute(&event(uuid))
    }

    /// A post of one of our groups (also its ActivityPub id).
    pub fn post(&self, slug: &str) -> String {
        self.absolute(&post(slug))
    }

    pub fn comment(&self, uuid: &str) -> String {
        self.absolute(&format!("/comments/{uuid}"))
    }

    /// A participation's id, as Mobilizon builds it.
    pub fn participation(&self, uuid: &str) -> String {
        self.absolute(&format!("/join/event/{uuid}"))
    }

    pub fn setup(&self, token: &str) -> String {
        self.absolute(&setup(token))
    }

    /// A membership of one of our groups, or our profile's Join of a remote one.
    pub fn member(&self, uuid: &str) -> String {
        self.absolute(&format!("/member/{uuid}"))
    }

    /// Our answer to a membership: `kind` is `accept` or `reject`, `what`
    /// `member` (a request) or `invite/member` (an invitation), as Mobilizon names them.
    pub fn member_answer(&self, kind: &str, what: &str, uuid: &str) -> String {
        self.absolute(&format!("/{kind}/{what}/{uuid}"))
    }

    /// A discussion of a group (`handle` as in our paths).
    pub fn discussion(&self, handle: &str, slug: &str) -> String {
        self.absolute(&discussion(handle, slug))
    }

    /// A group's Announce of something done in it.
    pub fn announce(&self, uuid: &str) -> String {
        self.absolute(&format!("/announces/{uuid}"))
    }

    /// The id of an activity of ours about `object`: Mobilizon's
    /// `<object>/<suffix>` when the object is ours; about an object of
    /// another server (a remote group's resource, discussion or message our
    /// member changes there), a fresh id on our host, since an activity's id
    /// must live on its actor's server.
    pub fn activity_about(&self, object: &str, suffix: &str) -> String {
        if object.starts_with(&format!("{}/", self.base)) {
            format!("{object}/{suffix}")
        } else {
            self.absolute(&format!("/activities/{}/{suffix}", uuid::Uuid::new_v4()))
        }
    }

    /// A resource (folder or link) of one of our groups.
    pub fn resource(&self, uuid: &str) -> String {
        self.absolute(&resource(uuid))
    }

    pub fn todo_list(&self, uuid: &str) -> String {
        self.absolute(&todo_list(uuid))
    }

    pub fn todo(&self, uuid: &str) -> String {
        self.absolute(&todo(uuid))
    }
}

pub fn home() -> String {
    "/".into()
}

pub fn login() -> String {
    "/login".into()
}

pub fn register() -> String {
    "/register".into()
}

pub fn validate_email(token: &str) -> String {
    format!("/validate/email/{token}")
}

pub fn resend_confirmation() -> String {
    "/resend-confirmation".into()
}

pub fn password_reset() -> String {
    "/password-reset".into()
}

pub fn password_reset_token(token: &str) -> String {
    format!("/password-reset/{token}")
}

pub fn logout() -> String {
    "/logout".into()
}

pub fn setup(token: &str) -> String {
    format!("/setup/{token}")
}

pub fn settings() -> String {
    "/settings".into()
}

pub fn settings_profiles() -> String {
    "/settings/profiles".into()
}

pub fn settings_profile(username: &str) -> String {
    format!("/settings/profiles/{username}")
}

pub fn settings_profile_switch(username: &str) -> String {
    format!("/settings/profiles/{username}/switch")
}

pub fn settings_profile_default(username: &str) -> String {
    format!("/settings/profiles/{username}/default")
}

pub fn settings_profile_delete(username: &str) -> String {
    format!("/settings/profiles/{username}/delete")
}

pub fn settings_email() -> String {
    "/settings/email".into()
}

pub fn settings_email_confirm(token: &str) -> String {
    format!("/settings/email/confirm/{token}")
}

pub fn settings_password() -> String {
    "/settings/password".into()
}

pub fn settings_sessions_end() -> String {
    "/settings/sessions/end".into()
}

pub fn settings_delete() -> String {
    "/settings/delete".into()
}

pub fn admin() -> String {
    "/admin".into()
}

pub fn admin_report_close(id: i64) -> String {
    format!("/admin/reports/{id}/close")
}

pub fn admin_test_mail() -> String {
    "/admin/test-mail".into()
}

pub fn admin_instance_follow() -> String {
    "/admin/instances/follow".into()
}

/// Ends a follow of another instance (the `follows` row id).
pub fn admin_instance_unfollow(id: i64) -> String {
    format!("/admin/instances/following/{id}/unfollow")
}

pub fn admin_instance_accept(id: i64) -> String {
    format!("/admin/instances/followers/{id}/accept")
}

pub fn admin_instance_reject(id: i64) -> String {
    format!("/admin/instances/followers/{id}/reject")
}

pub fn locale() -> String {
    "/locale".into()
}

pub fn actor(username: &str) -> String {
    format!("/@{username}")
}

pub fn groups_create() -> String {
    "/groups/create".into()
}

/// The groups of the current profile.
pub fn groups_me() -> String {
    "/groups/me".into()
}

/// A page or form under a group's URL: `settings`, `members`, `join`, … .
pub fn group_page(handle: &str, page: &str) -> String {
    format!("/@{handle}/{page}")
}

/// A form acting on one member row: `approve`, `reject`, `role`, `remove`.
pub fn group_member_action(handle: &str, member_id: i64, action: &str) -> String {
    format!("/@{handle}/members/{member_id}/{action}")
}

/// A resource's page (a folder or a link), ours or a remote group's.
pub fn resource(uuid: &str) -> String {
    format!("/resource/{uuid}")
}

/// A form acting on a resource: `rename`, `move`, `delete`.
pub fn resource_action(uuid: &str, action: &str) -> String {
    format!("/resource/{uuid}/{action}")
}

pub fn todo_list(uuid: &str) -> String {
    format!("/todo-list/{uuid}")
}

/// A form acting on a todo list: `rename`, `delete`.
pub fn todo_list_action(uuid: &str, action: &str) -> String {
    format!("/todo-list/{uuid}/{action}")
}

pub fn todo(uuid: &str) -> String {
    format!("/todo/{uuid}")
}

/// A form acting on a todo: `done`, `delete`.
pub fn todo_action(uuid: &str, action: &str) -> String {
    format!("/todo/{uuid}/{action}")
}

/// A group's discussions (members only).
pub fn discussions(handle: &str) -> String {
    format!("/@{handle}/c")
}

pub fn discussion_new(handle: &str) -> String {
    format!("/@{handle}/c/new")
}

pub fn discussion(handle: &str, slug: &str) -> String {
    format!("/@{handle}/c/{slug}")
}

/// One page of a long discussion (from 1).
pub fn discussion_page(handle: &str, slug: &str, page: i64) -> String {
    if page <= 1 { discussion(handle, slug) } else { format!("/@{handle}/c/{slug}?page={page}") }
}

/// A form acting on a discussion: `reply`, `rename`, `delete`.
pub fn discussion_action(handle: &str, slug: &str, action: &str) -> String {
    format!("/@{handle}/c/{slug}/{action}")
}

/// Editing one message of a discussion.
pub fn discussion_reply(handle: &str, slug: &str, uuid: &str) -> String {
    format!("/@{handle}/c/{slug}/replies/{uuid}")
}

pub fn discussion_reply_delete(handle: &str, slug: &str, uuid: &str) -> String {
    format!("/@{handle}/c/{slug}/replies/{uuid}/delete")
}

pub fn actor_feed(handle: &str, format: &str) -> String {
    format!("/@{handle}/feed/{format}")
}

pub fn actor_follow(handle: &str) -> String {
    format!("/@{handle}/follow")
}

pub fn actor_unfollow(handle: &str) -> String {
    format!("/@{handle}/unfollow")
}

pub fn search() -> String {
    "/search".into()
}

pub fn search_lookup() -> String {
    "/search/lookup".into()
}

pub fn events_create() -> String {
    "/events/create".into()
}

pub fn events_me() -> String {
    "/events/me".into()
}

pub fn events_calendar() -> String {
    "/events/calendar".into()
}

pub fn events_me_feed() -> String {
    "/events/me/feed".into()
}

pub fn events_me_feed_revoke() -> String {
    "/events/me/feed/revoke".into()
}

/// A profile's private feed of its events (`format`: ics or atom).
pub fn events_going_feed(token: &str, format: &str) -> String {
    format!("/events/going/{token}/{format}")
}

pub fn event(uuid: &str) -> String {
    format!("/events/{uuid}")
}

pub fn event_edit(uuid: &str) -> String {
    format!("/events/{uuid}/edit")
}

pub fn event_duplicate(uuid: &str) -> String {
    format!("/events/{uuid}/duplicate")
}

pub fn event_publish(uuid: &str) -> String {
    format!("/events/{uuid}/publish")
}

pub fn event_delete(uuid: &str) -> String {
    format!("/events/{uuid}/delete")
}

pub fn event_ics(uuid: &str) -> String {
    format!("/events/{uuid}/export/ics")
}

pub fn event_join(uuid: &str) -> String {
    format!("/events/{uuid}/join")
}

pub fn event_join_anonymous(uuid: &str) -> String {
    format!("/events/{uuid}/join/email")
}

pub fn event_leave(uuid: &str) -> String {
    format!("/events/{uuid}/leave")
}

pub fn event_participants(uuid: &str) -> String {
    format!("/events/{uuid}/participants")
}

pub fn event_participant_decide(uuid: &str, participant_id: i64) -> String {
    format!("/events/{uuid}/participants/{participant_id}")
}

pub fn event_participants_export(uuid: &str, format: &str) -> String {
    format!("/events/{uuid}/participants/export/{format}")
}

pub fn event_comments(uuid: &str) -> String {
    format!("/events/{uuid}/comments")
}

pub fn event_comment(uuid: &str, comment: &str) -> String {
    format!("/events/{uuid}/comments/{comment}")
}

pub fn event_comment_delete(uuid: &str, comment: &str) -> String {
    format!("/events/{uuid}/comments/{comment}/delete")
}

/// A group's posts (`/@group/p`).
pub fn group_posts(handle: &str) -> String {
    format!("/@{handle}/p")
}

/// The form of a new post of a group.
pub fn group_post_new(handle: &str) -> String {
    format!("/@{handle}/p/new")
}

pub fn post(slug: &str) -> String {
    format!("/p/{slug}")
}

pub fn post_edit(slug: &str) -> String {
    format!("/p/{slug}/edit")
}

pub fn post_delete(slug: &str) -> String {
    format!("/p/{slug}/delete")
}

pub fn participation_confirm(token: &str) -> String {
    format!("/participation/email/confirm/{token}")
}

pub fn participation_cancel(uuid: &str, token: &str) -> String {
    format!("/participation/email/cancel/{uuid}/{token}")
}

/// An OpenStreetMap link centred on a point (no map is embedded in our pages).
pub fn openstreetmap(latitude: f64, longitude: f64) -> String {
    format!("https://www.openstreetmap.org/?mlat={latitude}&mlon={longitude}#map=17/{latitude}/{longitude}")
}

/// An OpenStreetMap search for an address without coordinates.
pub fn openstreetmap_search(query: &str) -> String {
    let mut url = url::Url::parse("https://www.openstreetmap.org/search").expect("constant URL");
    url.query_pairs_mut().append_pair("query", query);
    url.to_string()
}

pub fn about_instance() -> String {
    "/about/instance".into()
}

pub fn terms() -> String {
    "/terms".into()
}

pub fn privacy() -> String {
    "/privacy".into()
}

pub fn rules() -> String {
    "/rules".into()
}

pub fn media(file_name: &str) -> String {
    format!("/media/{file_name}")
}

pub fn health() -> String {
    "/healthz".into()
}

/// A static asset, with a version parameter so it can be cached for long.
pub fn asset(path: &str) -> String {
    match crate::web::assets::version(path) {
        Some(v) => format!("/static/{path}?v={v}"),
        None => format!("/static/{path}"),
    }
}

/// Only same-site paths are followed after a form: `/x`, never `//x` or `/\x`.
pub fn safe_return_path(candidate: &str) -> Option<&str> {
    let ok = candidate.starts_with('/')
        && !candidate.starts_with("//")
        && !candidate.starts_with("/\\")
        && !candidate.chars().any(|c| c.is_control());
    ok.then_some(candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_built_from_the_base() {
        let urls = Urls::new("https://zerda.example/");
        assert_eq!(urls.actor("alice"), "https://zerda.example/@alice");
        assert_eq!(urls.actor_inbox("alice"), "https://zerda.example/@alice/inbox");
        assert_eq!(urls.shared_inbox(), "https://zerda.example/inbox");
        assert_eq!(urls.host(), "zerda.example");
        assert_eq!(Urls::new("http://localhost:8080").host(), "localhost:8080");
    }

    #[test]
    fn activities_about_others_objects_get_ids_of_ours() {
        let urls = Urls::new("https://zerda.example/");
        let ours = urls.resource("0b7c");
        assert_eq!(urls.activity_about(&ours, "move"), format!("{ours}/move"));
        for theirs in ["https://mz.example/resource/1", "https://zerda.example.evil/resource/1"] {
            let id = urls.activity_about(theirs, "delete");
            assert!(id.starts_with("https://zerda.example/activities/") && id.ends_with("/delete"), "{id}");
        }
    }

    #[test]
    fn return_paths_stay_on_site() {
        assert_eq!(safe_return_path("/admin"), Some("/admin"));
        assert_eq!(safe_return_path("//evil.test"), None);
        assert_eq!(safe_return_path("/\\evil.test"), None);
        assert_eq!(safe_return_path("https://evil.test"), None);
        assert_eq!(safe_return_path("/x\r\nSet-Cookie: a"), None);
    }
}
