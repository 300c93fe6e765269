//! THE route table. Every route is listed once, here, with its method (GET,
//! POST, or AP: a GET that asks for an ActivityPub document); the same list
//! is exported as `TABLE` so tests can walk every route (CSRF on every POST,
//! admin guards, GET without side effects).

use actix_web::{guard, web};

use crate::web::{
    accounts, activitypub, admin, assets, collections, comments, discovery, discussions, events, feeds,
    group_collections, groups, inbox, instance_follows, members, my_events, pages, participations, passwords,
    posts, profiles, registration, search, settings,
};

macro_rules! routes {
    ($( $method:ident $path:literal => $handler:path ),* $(,)?) => {
        /// (method, path pattern) of every route, in registration order.
        pub const TABLE: &[(&str, &str)] = &[ $( (stringify!($method), $path) ),* ];

        pub fn configure(cfg: &mut web::ServiceConfig) {
            $( routes!(@one cfg, $method, $path, $handler); )*
        }
    };
    // GET routes answer HEAD too (monitoring and link checkers use it); the
    // server sends the headers without the body.
    (@one $cfg:ident, GET, $path:literal, $handler:path) => {
        $cfg.route($path, web::route().guard(guard::Any(guard::Get()).or(guard::Head())).to($handler));
    };
    (@one $cfg:ident, POST, $path:literal, $handler:path) => {
        $cfg.route($path, web::post().to($handler));
    };
    // ActivityPub only: a GET (or HEAD) whose Accept asks for an ActivityPub
    // document. Any other request goes on to the next route of the same path
    // (a page for people), so an AP route must come before it.
    (@one $cfg:ident, AP, $path:literal, $handler:path) => {
        $cfg.route(
            $path,
            web::route()
                .guard(guard::Any(guard::Get()).or(guard::Head()))
                .guard(guard::fn_guard(|ctx| crate::web::activitypub::asks_activity_json(ctx.head().headers())))
                .to($handler),
        );
    };
}

routes! {
    GET  "/" => pages::home,
    GET  "/about/instance" => pages::about_instance,
    GET  "/terms" => pages::terms,
    GET  "/privacy" => pages::privacy,
    GET  "/rules" => pages::rules,
    GET  "/robots.txt" => pages::robots_txt,
    GET  "/healthz" => pages::healthz,
    GET  "/.well-known/webfinger" => discovery::webfinger,
    GET  "/.well-known/host-meta" => discovery::host_meta,
    GET  "/.well-known/nodeinfo" => discovery::nodeinfo_links,
    GET  "/.well-known/nodeinfo/{version}" => discovery::nodeinfo,
    GET  "/relay" => activitypub::relay,
    GET  "/relay/outbox" => collections::relay_outbox,
    GET  "/relay/followers" => collections::relay_followers,
    GET  "/relay/following" => collections::relay_following,
    GET  "/interact" => discovery::interact,
    POST "/inbox" => inbox::shared,
    POST "/relay/inbox" => inbox::shared,
    POST "/@{username}/inbox" => inbox::actor,
    POST "/@{username}/follow" => profiles::follow,
    POST "/@{username}/unfollow" => profiles::unfollow,
    POST "/locale" => pages::set_locale,
    GET  "/static/{path:.*}" => assets::serve,
    GET  "/login" => accounts::login_form,
    POST "/login" => accounts::login,
    POST "/logout" => accounts::logout,
    GET  "/register" => registration::register_form,
    POST "/register" => registration::register,
    GET  "/validate/email/{token}" => registration::confirm_form,
    POST "/validate/email/{token}" => registration::confirm,
    GET  "/resend-confirmation" => registration::resend_form,
    POST "/resend-confirmation" => registration::resend,
    GET  "/password-reset" => passwords::request_form,
    POST "/password-reset" => passwords::request,
    GET  "/password-reset/{token}" => passwords::reset_form,
    POST "/password-reset/{token}" => passwords::reset,
    GET  "/setup/{token}" => accounts::setup_form,
    POST "/setup/{token}" => accounts::setup_submit,
    GET  "/settings" => settings::preferences,
    POST "/settings" => settings::save_preferences,
    POST "/settings/sessions/end" => settings::end_other_sessions,
    GET  "/settings/profiles" => profiles::index,
    POST "/settings/profiles" => profiles::create,
    GET  "/settings/profiles/{username}" => profiles::edit_form,
    POST "/settings/profiles/{username}" => profiles::update,
    POST "/settings/profiles/{username}/switch" => profiles::switch,
    POST "/settings/profiles/{username}/default" => profiles::make_default,
    POST "/settings/profiles/{username}/delete" => profiles::delete,
    GET  "/@{username}" => profiles::show,
    GET  "/groups/create" => groups::new_form,
    POST "/groups/create" => groups::create,
    GET  "/groups/me" => groups::mine,
    GET  "/@{username}/settings" => groups::settings_form,
    POST "/@{username}/settings" => groups::update_settings,
    POST "/@{username}/delete" => groups::delete,
    GET  "/@{username}/timeline" => groups::timeline,
    GET  "/@{username}/c" => discussions::index,
    GET  "/@{username}/c/new" => discussions::new_form,
    POST "/@{username}/c/new" => discussions::create,
    GET  "/@{username}/c/{slug}" => discussions::show,
    POST "/@{username}/c/{slug}/reply" => discussions::reply,
    GET  "/@{username}/c/{slug}/rename" => discussions::rename_form,
    POST "/@{username}/c/{slug}/rename" => discussions::rename,
    POST "/@{username}/c/{slug}/delete" => discussions::delete,
    GET  "/@{username}/c/{slug}/replies/{uuid}" => discussions::edit_form,
    POST "/@{username}/c/{slug}/replies/{uuid}" => discussions::update,
    POST "/@{username}/c/{slug}/replies/{uuid}/delete" => discussions::delete_message,
    GET  "/@{username}/feed/{format}" => feeds::actor_feed,
    POST "/@{username}/members/invite" => members::invite,
    POST "/@{username}/members/{id}/{action}" => members::decide,
    POST "/@{username}/followers/{id}/{answer}" => members::answer_follower,
    POST "/@{username}/join" => members::join,
    POST "/@{username}/leave" => members::leave,
    POST "/@{username}/invitation/{answer}" => members::answer_invitation,
    GET  "/@{username}/p" => posts::index,
    GET  "/@{username}/posts" => posts::collection,
    GET  "/@{username}/p/new" => posts::new_form,
    POST "/@{username}/p/new" => posts::create,
    GET  "/p/{slug}" => posts::show,
    GET  "/p/{slug}/edit" => posts::edit_form,
    POST "/p/{slug}/edit" => posts::update,
    POST "/p/{slug}/delete" => posts::delete,
    GET  "/@{username}/outbox" => collections::outbox,
    GET  "/@{username}/followers" => collections::followers,
    GET  "/@{username}/following" => collections::following,
    AP   "/@{username}/members" => group_collections::members,
    AP   "/@{username}/events" => group_collections::events,
    AP   "/@{username}/posts" => group_collections::posts,
    AP   "/@{username}/resources" => group_collections::resources,
    AP   "/@{username}/todos" => group_collections::todos,
    AP   "/@{username}/discussions" => group_collections::discussions,
    AP   "/member/{uuid}" => group_collections::member,
    GET  "/@{username}/members" => members::index,
    GET  "/@{username}/discussions" => discussions::to_list,
    GET  "/media/{name}" => profiles::media_file,
    GET  "/settings/email" => settings::email_form,
    POST "/settings/email" => settings::change_email,
    GET  "/settings/email/confirm/{token}" => settings::email_confirm_form,
    POST "/settings/email/confirm/{token}" => settings::email_confirm,
    GET  "/settings/password" => settings::password_form,
    POST "/settings/password" => settings::change_password,
    GET  "/settings/delete" => settings::delete_form,
    POST "/settings/delete" => settings::delete_account,
    GET  "/search" => search::search,
    POST "/search/lookup" => search::lookup,
    GET  "/events/create" => events::new_form,
    GET  "/events/me" => my_events::index,
    POST "/events/me/feed" => my_events::create_feed,
    POST "/events/me/feed/revoke" => my_events::revoke_feed,
    GET  "/events/calendar" => my_events::calendar,
    POST "/events/create" => events::create,
    GET  "/events/{uuid}" => events::show,
    GET  "/events/{uuid}/edit" => events::edit_form,
    POST "/events/{uuid}/edit" => events::update,
    GET  "/events/{uuid}/duplicate" => events::duplicate,
    POST "/events/{uuid}/publish" => events::publish,
    POST "/events/{uuid}/delete" => events::delete,
    POST "/events/{uuid}/join" => participations::join,
    POST "/events/{uuid}/join/email" => participations::join_anonymously,
    POST "/events/{uuid}/leave" => participations::leave,
    GET  "/events/{uuid}/export/ics" => feeds::event_ics,
    GET  "/events/going/{token}/{format}" => feeds::going_feed,
    GET  "/events/{uuid}/participants" => participations::list,
    GET  "/events/{uuid}/participants/export/{format}" => feeds::participants_export,
    POST "/events/{uuid}/participants/{id}" => participations::decide,
    POST "/events/{uuid}/comments" => comments::create,
    GET  "/events/{uuid}/comments/{comment}" => comments::edit_form,
    POST "/events/{uuid}/comments/{comment}" => comments::update,
    POST "/events/{uuid}/comments/{comment}/delete" => comments::delete,
    GET  "/comments/{uuid}" => activitypub::comment,
    GET  "/participation/email/confirm/{token}" => participations::confirm_form,
    POST "/participation/email/confirm/{token}" => participations::confirm,
    GET  "/participation/email/cancel/{uuid}/{token}" => participations::cancel_form,
    POST "/participation/email/cancel/{uuid}/{token}" => participations::cancel,
    GET  "/admin" => admin::dashboard,
    POST "/admin/test-mail" => admin::send_test_mail,
    POST "/admin/reports/{id}/close" => admin::close_report,
    POST "/admin/instances/follow" => instance_follows::follow,
    POST "/admin/instances/following/{id}/unfollow" => instance_follows::unfollow,
    POST "/admin/instances/followers/{id}/accept" => instance_follows::accept,
    POST "/admin/instances/followers/{id}/reject" => instance_follows::reject,
}
