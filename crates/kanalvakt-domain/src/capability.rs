//! What each platform lets the municipality do from Kanalvakt, so the inbox never offers an
//! action the platform cannot carry out (e.g. Mastodon cannot hide another person's reply;
//! YouTube comments must be polled; a blog feed is read only).

use serde::Serialize;

use crate::channel::Platform;

/// How new content reaches Kanalvakt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// The platform pushes (webhooks).
    Pushed,
    /// Kanalvakt asks at an interval.
    Polled,
    /// Only by hand (paste or import).
    Manual,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Capabilities {
    pub delivery: Delivery,
    /// Reply to a visitor's comment or message from Kanalvakt.
    pub reply: bool,
    /// Hide (unpublish but keep) someone else's comment: avpublicera.
    pub hide_others: bool,
    /// Delete someone else's comment.
    pub delete_others: bool,
    /// Delete the municipality's own post or reply.
    pub delete_own: bool,
    /// Direct messages can be captured.
    pub direct_messages: bool,
}

impl Platform {
    /// What Kanalvakt can do on this platform with the connectors it has.
    pub fn capabilities(self) -> Capabilities {
        use Delivery::*;
        let none = Capabilities {
            delivery: Manual,
            reply: false,
            hide_others: false,
            delete_others: false,
            delete_own: false,
            direct_messages: false,
        };
        match self {
            // Graph API: hide with is_hidden, DELETE, reply with /comments; Messenger DMs.
            Platform::Facebook => Capabilities {
                delivery: Pushed,
                reply: true,
                hide_others: true,
                delete_others: true,
                delete_own: true,
                direct_messages: true,
            },
            // Instagram: hide and delete comments; replies only to top-level comments.
            Platform::Instagram => Capabilities {
                delivery: Pushed,
                reply: true,
                hide_others: true,
                delete_others: true,
                delete_own: true,
                direct_messages: true,
            },
            // Mastodon: statuses and notifications are polled; only one's own posts can be deleted.
            Platform::Mastodon => {
                Capabilities { delivery: Polled, reply: true, delete_own: true, direct_messages: true, ..none }
            }
            // YouTube: comments are polled; "rejecting" removes someone else's comment for good.
            Platform::Youtube => {
                Capabilities { delivery: Polled, reply: true, delete_others: true, delete_own: true, ..none }
            }
            // Blog/RSS: the feed is read; comments, if any, are handled on the blog itself.
            Platform::Blog => Capabilities { delivery: Polled, ..none },
            Platform::X | Platform::Linkedin | Platform::Tiktok | Platform::Bluesky | Platform::Other => none,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // REQ MOD-6: the inbox offers only actions the platform can carry out.
    #[test]
    fn platforms_declare_what_they_allow() {
        let m = Platform::Mastodon.capabilities();
        assert!(!m.hide_others && !m.delete_others && m.delete_own, "Mastodon cannot hide or delete others' replies");
        assert_eq!(Platform::Youtube.capabilities().delivery, Delivery::Polled, "YouTube comments are polled");
        assert!(Platform::Facebook.capabilities().hide_others);
        let blog = Platform::Blog.capabilities();
        assert!(!blog.reply && blog.delivery == Delivery::Polled);
        assert_eq!(Platform::Tiktok.capabilities().delivery, Delivery::Manual, "no connector yet: paste or import");
    }
}
