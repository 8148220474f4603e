//! What is captured from a channel: posts, comments, replies, direct messages and mentions,
//! each a public record from the moment it arrives (REC-1). Every edit is a new version with
//! its own hash, so the same item or version arriving twice is stored once.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::audit::hex;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    Post,
    Comment,
    Reply,
    DirectMessage,
    Mention,
}

impl ItemKind {
    pub const ALL: [ItemKind; 5] =
        [ItemKind::Post, ItemKind::Comment, ItemKind::Reply, ItemKind::DirectMessage, ItemKind::Mention];

    pub fn code(self) -> &'static str {
        match self {
            ItemKind::Post => "post",
            ItemKind::Comment => "comment",
            ItemKind::Reply => "reply",
            ItemKind::DirectMessage => "direct_message",
            ItemKind::Mention => "mention",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }

    /// The kind in words, capitalised as a label.
    pub fn label(self) -> crate::i18n::Text {
        let (sv, en) = match self {
            ItemKind::Post => ("Inlägg", "Post"),
            ItemKind::Comment => ("Kommentar", "Comment"),
            ItemKind::Reply => ("Svar", "Reply"),
            ItemKind::DirectMessage => ("Direktmeddelande", "Direct message"),
            ItemKind::Mention => ("Omnämnande", "Mention"),
        };
        crate::i18n::Text::new(sv, en)
    }
}

/// Whether the municipality wrote it (upprättad) or received it (inkommen).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Incoming,
    Ours,
}

impl Direction {
    pub fn code(self) -> &'static str {
        match self {
            Direction::Incoming => "incoming",
            Direction::Ours => "ours",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "incoming" => Some(Direction::Incoming),
            "ours" => Some(Direction::Ours),
            _ => None,
        }
    }
}

/// The item's state on the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlatformState {
    Visible,
    Hidden,
    DeletedByAuthor,
    RemovedByUs,
}

impl PlatformState {
    pub const ALL: [PlatformState; 4] =
        [PlatformState::Visible, PlatformState::Hidden, PlatformState::DeletedByAuthor, PlatformState::RemovedByUs];

    pub fn code(self) -> &'static str {
        match self {
            PlatformState::Visible => "visible",
            PlatformState::Hidden => "hidden",
            PlatformState::DeletedByAuthor => "deleted_by_author",
            PlatformState::RemovedByUs => "removed_by_us",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }

    pub fn label(self) -> crate::i18n::Text {
        use crate::i18n::Text;
        match self {
            PlatformState::Visible => Text::new("Synlig", "Visible"),
            PlatformState::Hidden => Text::new("Dold på plattformen", "Hidden on the platform"),
            PlatformState::DeletedByAuthor => Text::new("Raderad av avsändaren", "Deleted by its author"),
            PlatformState::RemovedByUs => Text::new("Borttagen av kommunen", "Removed by the municipality"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Author {
    /// The platform's id for the sender ("" when the platform does not say).
    pub platform_id: String,
    pub name: String,
    pub profile_url: Option<String>,
}

/// One item as a connector (or a person pasting it) delivers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapturedItem {
    /// The platform's id of the item: the key for exactly-once storage within a channel.
    pub external_id: String,
    pub kind: ItemKind,
    pub direction: Direction,
    /// The item this one answers (a comment's post, a reply's comment).
    pub parent_external_id: Option<String>,
    pub author: Author,
    pub text: String,
    /// A link to the item on the platform.
    pub url: Option<String>,
    /// When the platform says it was created or last edited.
    pub platform_time: Option<DateTime<Utc>>,
    pub state: PlatformState,
    /// Links to attached photos and videos; a background job fetches them into the
    /// content-addressed media store after capture.
    pub media: Vec<String>,
}

/// Something that happened to an item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum IngestEvent {
    /// A new item, or a new version of a known one.
    Upsert(CapturedItem),
    /// The platform reports a change of state (hidden, unhidden, deleted by its author).
    State { external_id: String, state: PlatformState, at: Option<DateTime<Utc>> },
}

/// The hash of an item's content: text, author and media. The same content always gives the
/// same hash, so a redelivered version is recognised; an edit gives a new one.
pub fn version_hash(item: &CapturedItem) -> String {
    let mut h = Sha256::new();
    for part in [item.text.as_str(), item.author.platform_id.as_str(), item.author.name.as_str()] {
        h.update(part.len().to_string().as_bytes());
        h.update(b":");
        h.update(part.as_bytes());
    }
    for m in &item.media {
        h.update(b"media:");
        h.update(m.as_bytes());
    }
    hex(&h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(text: &str) -> CapturedItem {
        CapturedItem {
            external_id: "123_456".into(),
            kind: ItemKind::Comment,
            direction: Direction::Incoming,
            parent_external_id: Some("123".into()),
            author: Author { platform_id: "42".into(), name: "Anna Svensson".into(), profile_url: None },
            text: text.into(),
            url: None,
            platform_time: None,
            state: PlatformState::Visible,
            media: vec![],
        }
    }

    // REQ REC-1: the same content is one version; an edit is another.
    #[test]
    fn versions_are_identified_by_content() {
        assert_eq!(version_hash(&item("När öppnar biblioteket?")), version_hash(&item("När öppnar biblioteket?")));
        assert_ne!(
            version_hash(&item("När öppnar biblioteket?")),
            version_hash(&item("När öppnar biblioteket i dag?"))
        );
        let mut with_media = item("När öppnar biblioteket?");
        with_media.media.push("https://example.org/a.jpg".into());
        assert_ne!(version_hash(&item("När öppnar biblioteket?")), version_hash(&with_media));
        let mut other_state = item("När öppnar biblioteket?");
        other_state.state = PlatformState::Hidden;
        assert_eq!(version_hash(&item("När öppnar biblioteket?")), version_hash(&other_state), "state is not content");
    }

    #[test]
    fn codes_round_trip() {
        for k in ItemKind::ALL {
            assert_eq!(ItemKind::parse(k.code()), Some(k));
        }
        for s in PlatformState::ALL {
            assert_eq!(PlatformState::parse(s.code()), Some(s));
        }
    }
}
