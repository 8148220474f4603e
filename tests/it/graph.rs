//! The Graph API connector against a local fake Graph server that answers as the Graph API
//! documents: hide/unhide, delete and reply on Facebook Page and Instagram comments, and its
//! errors (expired token, rate limit, missing permission). The fake records every request.

use axum::http::Method;
use kanalvakt::{
    connectors::{
        ActionDone, Connector, ConnectorError, PlatformAction,
        graph::{GRAPH_VERSION, GraphConnector},
    },
    domain::channel::Platform,
};
use serde_json::json;

use crate::fake_graph::*;

fn connector(platform: Platform, base: &str, token: &str) -> GraphConnector {
    kanalvakt::app::init_tls();
    GraphConnector::new(platform, base, GRAPH_VERSION, token).unwrap()
}

fn path(id: &str) -> String {
    format!("/{GRAPH_VERSION}/{id}")
}

fn hide(id: &str) -> PlatformAction {
    PlatformAction::Hide { id: id.into() }
}

// REQ MOD-6: hiding (avpublicera) and unhiding a Facebook comment checks can_hide, then sends
// is_hidden to the comment with the Page token; the token never appears in a URL.
#[tokio::test]
async fn facebook_hide_and_unhide_send_is_hidden() {
    let (fake, base) = fake_graph().await;
    let fb = connector(Platform::Facebook, &base, TOKEN);

    assert_eq!(fb.act(&hide(FB_COMMENT)).await.unwrap(), ActionDone { created_id: None });
    assert_eq!(fake.object(FB_COMMENT).unwrap()["is_hidden"], json!(true));
    let seen = fake.requests();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!((&seen[0].method, seen[0].path.as_str()), (&Method::GET, path(FB_COMMENT).as_str()));
    let fields: Vec<&str> = seen[0].query("fields").unwrap().split(',').collect();
    assert!(fields.contains(&"can_hide") && fields.contains(&"is_hidden"), "{fields:?}");
    assert_eq!((&seen[1].method, seen[1].path.as_str()), (&Method::POST, path(FB_COMMENT).as_str()));
    assert_eq!(seen[1].form("is_hidden"), Some("true"));

    fb.act(&PlatformAction::Unhide { id: FB_COMMENT.into() }).await.unwrap();
    assert_eq!(fake.object(FB_COMMENT).unwrap()["is_hidden"], json!(false));
    let post = fake.writes().pop().unwrap();
    assert_eq!(post.form("is_hidden"), Some("false"));

    for s in fake.requests() {
        assert_eq!(s.token.as_deref(), Some(TOKEN), "every call carries the Page token");
        assert!(s.query("access_token").is_none() && s.form("access_token").is_none(), "the token is kept out of URLs");
    }
}

// REQ MOD-6: a comment the Page may not hide is refused with a clear message, and nothing is
// sent; one already hidden is not hidden again.
#[tokio::test]
async fn facebook_comment_that_cannot_be_hidden_is_refused_before_any_post() {
    let (fake, base) = fake_graph().await;
    let fb = connector(Platform::Facebook, &base, TOKEN);

    let err = fb.act(&hide(FB_OWN_COMMENT)).await.unwrap_err();
    assert!(matches!(err, ConnectorError::Unsupported(m) if m.contains("can_hide")), "{err:?}");
    assert!(fake.writes().is_empty(), "no POST was sent: {:?}", fake.requests());
    assert_eq!(fake.requests().len(), 1, "only the can_hide check");

    fb.act(&hide(FB_HIDDEN)).await.unwrap();
    assert!(fake.writes().is_empty(), "already hidden: nothing sent");
}

// REQ MOD-6: Instagram comments are hidden and unhidden with `hide`, in one call.
#[tokio::test]
async fn instagram_hide_and_unhide_send_hide() {
    let (fake, base) = fake_graph().await;
    let ig = connector(Platform::Instagram, &base, TOKEN);

    ig.act(&hide(IG_COMMENT)).await.unwrap();
    assert_eq!(fake.object(IG_COMMENT).unwrap()["hidden"], json!(true));
    ig.act(&PlatformAction::Unhide { id: IG_COMMENT.into() }).await.unwrap();
    assert_eq!(fake.object(IG_COMMENT).unwrap()["hidden"], json!(false));

    let seen = fake.requests();
    assert_eq!(seen.len(), 2, "{seen:?}");
    for (s, value) in seen.iter().zip(["true", "false"]) {
        assert_eq!((&s.method, s.path.as_str()), (&Method::POST, path(IG_COMMENT).as_str()));
        assert_eq!(s.form("hide"), Some(value));
        assert_eq!(s.form("is_hidden"), None);
        assert_eq!(s.token.as_deref(), Some(TOKEN));
    }
}

// REQ MOD-6: delete is a DELETE of the comment, on both platforms.
#[tokio::test]
async fn delete_sends_delete() {
    let (fake, base) = fake_graph().await;
    for (platform, id) in [(Platform::Facebook, FB_COMMENT), (Platform::Instagram, IG_COMMENT)] {
        let c = connector(platform, &base, TOKEN);
        assert_eq!(c.act(&PlatformAction::Delete { id: id.into() }).await.unwrap().created_id, None);
        assert!(fake.object(id).is_none(), "{platform:?}: deleted on the platform");
        let s = fake.requests().pop().unwrap();
        assert_eq!((&s.method, s.path.as_str()), (&Method::DELETE, path(id).as_str()));
        assert_eq!(s.token.as_deref(), Some(TOKEN));
    }
    assert_eq!(fake.requests().len(), 2, "one call each");

    // Deleting again: Graph says the object does not exist, and that is what the error says.
    let fb = connector(Platform::Facebook, &base, TOKEN);
    let err = fb.act(&PlatformAction::Delete { id: FB_COMMENT.into() }).await.unwrap_err();
    assert!(
        matches!(&err, ConnectorError::Platform { status: 400, message } if message.contains("does not exist")),
        "{err:?}"
    );
}

// REQ MOD-1: a reply is sent as `message` to the post's or comment's comments and answers the
// new comment's id.
#[tokio::test]
async fn facebook_reply_returns_the_new_id_and_sends_message() {
    let (fake, base) = fake_graph().await;
    let fb = connector(Platform::Facebook, &base, TOKEN);
    let text = "Hej Anna! Storgatan öppnar igen på fredag. /Sjöviks kommun";

    let done = fb.act(&PlatformAction::Reply { to: FB_COMMENT.into(), text: text.into() }).await.unwrap();
    assert_eq!(done.created_id.as_deref(), Some("1111_20019"));
    let seen = fake.requests();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(
        (&seen[0].method, seen[0].path.as_str()),
        (&Method::POST, format!("{}/comments", path(FB_COMMENT)).as_str())
    );
    assert_eq!(seen[0].form("message"), Some(text), "sent exactly as written");
    assert_eq!(seen[0].token.as_deref(), Some(TOKEN));

    let done = fb.act(&PlatformAction::Reply { to: FB_POST.into(), text: "Tack!".into() }).await.unwrap();
    assert!(done.created_id.is_some(), "a post is answered the same way");

    let err = fb.act(&PlatformAction::Reply { to: FB_POST.into(), text: "  ".into() }).await.unwrap_err();
    assert!(matches!(err, ConnectorError::Unsupported(_)), "{err:?}");
    assert_eq!(fake.requests().len(), 2, "an empty reply is not sent");
}

// REQ MOD-1: Instagram replies go to a top-level comment's replies.
#[tokio::test]
async fn instagram_reply_to_a_top_level_comment() {
    let (fake, base) = fake_graph().await;
    let ig = connector(Platform::Instagram, &base, TOKEN);

    let done = ig.act(&PlatformAction::Reply { to: IG_COMMENT.into(), text: "Den 1 juni!".into() }).await.unwrap();
    assert_eq!(done.created_id.as_deref(), Some("179000000000000019"));
    let seen = fake.requests();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(seen[0].method, Method::GET);
    let fields: Vec<&str> = seen[0].query("fields").unwrap().split(',').collect();
    assert!(fields.contains(&"parent_id") && fields.contains(&"hidden"), "{fields:?}");
    assert_eq!(
        (&seen[1].method, seen[1].path.as_str()),
        (&Method::POST, format!("{}/replies", path(IG_COMMENT)).as_str())
    );
    assert_eq!(seen[1].form("message"), Some("Den 1 juni!"));
}

// REQ MOD-1: Instagram allows replies only to top-level comments that are not hidden; others
// are refused before anything is sent.
#[tokio::test]
async fn instagram_reply_to_a_reply_or_a_hidden_comment_is_refused_before_any_post() {
    let (fake, base) = fake_graph().await;
    let ig = connector(Platform::Instagram, &base, TOKEN);

    let err = ig.act(&PlatformAction::Reply { to: IG_REPLY.into(), text: "Hej".into() }).await.unwrap_err();
    assert!(matches!(err, ConnectorError::Unsupported(m) if m.contains("top-level")), "{err:?}");
    let err = ig.act(&PlatformAction::Reply { to: IG_HIDDEN.into(), text: "Hej".into() }).await.unwrap_err();
    assert!(matches!(err, ConnectorError::Unsupported(m) if m.contains("hidden")), "{err:?}");

    assert!(fake.writes().is_empty(), "no POST was sent: {:?}", fake.requests());
    assert_eq!(fake.requests().len(), 2, "one check each");
}

// An expired token (code 190) asks for new credentials, with Graph's reason; the token itself
// is in no error.
#[tokio::test]
async fn expired_token_is_an_auth_error() {
    let (fake, base) = fake_graph().await;
    let fb = connector(Platform::Facebook, &base, EXPIRED);

    let err = fb.act(&PlatformAction::Delete { id: FB_COMMENT.into() }).await.unwrap_err();
    let ConnectorError::Auth(message) = &err else { panic!("{err:?}") };
    assert!(message.contains("Session has expired"), "Graph's message is kept: {message}");
    assert!(message.contains("expired"), "{message}");
    let shown = err.to_string();
    assert!(shown.contains("store new credentials"), "{shown}");
    assert!(!shown.contains(EXPIRED) && !format!("{fb:?}").contains(EXPIRED), "the token is never shown");
    assert!(fake.object(FB_COMMENT).is_some(), "nothing was deleted");

    // The same for a hide: the can_hide check already fails, and nothing is posted.
    let err = fb.act(&hide(FB_COMMENT)).await.unwrap_err();
    assert!(matches!(err, ConnectorError::Auth(_)), "{err:?}");
    assert_eq!(fake.writes().len(), 1, "only the refused DELETE: {:?}", fake.requests());
}

// Code 4 (application request limit) is a rate limit, with the wait Graph estimates.
#[tokio::test]
async fn rate_limit_is_reported_with_the_wait() {
    let (_fake, base) = fake_graph().await;
    let ig = connector(Platform::Instagram, &base, THROTTLED);

    let err = ig.act(&hide(IG_COMMENT)).await.unwrap_err();
    assert!(
        matches!(err, ConnectorError::RateLimited { retry_after_seconds: Some(420) }),
        "estimated_time_to_regain_access is in minutes: {err:?}"
    );
    assert!(err.to_string().contains("420 s"), "{err}");
}

// A permission error names the permission the Page token lacks.
#[tokio::test]
async fn permission_error_names_pages_manage_engagement() {
    let (_fake, base) = fake_graph().await;
    let fb = connector(Platform::Facebook, &base, NO_PERMISSION);

    let err = fb.act(&PlatformAction::Delete { id: FB_COMMENT.into() }).await.unwrap_err();
    let ConnectorError::Platform { status, message } = &err else { panic!("{err:?}") };
    assert_eq!(*status, 403);
    assert!(message.contains("pages_manage_engagement"), "{message}");
    assert!(message.contains("Permissions error"), "Graph's message is kept: {message}");

    let ig = connector(Platform::Instagram, &base, NO_PERMISSION);
    let err = ig.act(&hide(IG_COMMENT)).await.unwrap_err();
    assert!(err.to_string().contains("instagram_manage_comments"), "{err}");
}

// Facebook and Instagram content arrives by webhook; the connector does not poll.
#[tokio::test]
async fn fetch_is_unsupported() {
    let (fake, base) = fake_graph().await;
    let fb = connector(Platform::Facebook, &base, TOKEN);
    assert!(matches!(fb.fetch(None).await, Err(ConnectorError::Unsupported(m)) if m.contains("webhook")));
    assert!(fb.capabilities().hide_others && fb.capabilities().reply);
    assert!(fake.requests().is_empty());
}

// An app with "Require App Secret" gets appsecret_proof on every call; ids that are not Graph
// ids never reach a path.
#[tokio::test]
async fn appsecret_proof_and_odd_ids() {
    let (fake, base) = fake_graph().await;
    let ig = connector(Platform::Instagram, &base, TOKEN).with_app_secret("app-secret");
    ig.act(&PlatformAction::Delete { id: IG_HIDDEN.into() }).await.unwrap();
    let proof = fake.requests()[0].query("appsecret_proof").map(str::to_string).unwrap();
    assert_eq!(proof.len(), 64, "hex HMAC-SHA256: {proof}");

    let err = ig.act(&PlatformAction::Delete { id: "../me/accounts".into() }).await.unwrap_err();
    assert!(matches!(err, ConnectorError::Unsupported(_)), "{err:?}");
    assert_eq!(fake.requests().len(), 1);
}
