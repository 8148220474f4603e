//! The audit log's hash chain. Each entry's hash covers the previous entry's hash and every
//! field of the entry in a canonical form, so altering, removing or reordering any entry breaks
//! the chain from that point on.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The hash the first entry chains from.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One staff action: who, what, on which object, before and after, when, from where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: i64,
    /// RFC 3339 UTC with microseconds, as stored.
    pub at: String,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub channel_id: Option<i64>,
    /// JSON text of the object before the action ("null" if none).
    pub before: String,
    /// JSON text of the object after the action ("null" if none).
    pub after: String,
    /// Where the action came from: an IP address, "cli" or "system".
    pub source: String,
}

/// The canonical bytes an entry's hash covers. Fields are length-prefixed so that no choice of
/// values can make two different entries serialise alike.
fn canonical(prev_hash: &str, e: &AuditEntry) -> Vec<u8> {
    let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_else(|| "-".into());
    let fields = [
        prev_hash.to_string(),
        e.seq.to_string(),
        e.at.clone(),
        opt(e.actor_id),
        e.actor_name.clone(),
        e.action.clone(),
        e.object_type.clone(),
        e.object_id.clone(),
        opt(e.channel_id),
        e.before.clone(),
        e.after.clone(),
        e.source.clone(),
    ];
    let mut out = Vec::new();
    for f in fields {
        out.extend_from_slice(f.len().to_string().as_bytes());
        out.push(b':');
        out.extend_from_slice(f.as_bytes());
        out.push(b'\n');
    }
    out
}

/// SHA-256 (hex) of the entry chained to `prev_hash`.
pub fn entry_hash(prev_hash: &str, e: &AuditEntry) -> String {
    hex(&Sha256::digest(canonical(prev_hash, e)))
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// A stored entry with the hashes kept beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEntry {
    pub entry: AuditEntry,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    #[error("entry {seq}: its content does not match its hash (the entry was altered)")]
    Altered { seq: i64 },
    #[error("entry {seq}: it does not chain to the entry before it (an entry was removed, inserted or reordered)")]
    Broken { seq: i64 },
    #[error("entry {seq}: sequence number out of order after {prev}")]
    Sequence { seq: i64, prev: i64 },
}

impl ChainError {
    pub fn seq(&self) -> i64 {
        match self {
            ChainError::Altered { seq } | ChainError::Broken { seq } | ChainError::Sequence { seq, .. } => *seq,
        }
    }
}

/// Incremental verifier, so a long log can be streamed in pages.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    last_hash: String,
    last_seq: Option<i64>,
    pub checked: u64,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        ChainVerifier { last_hash: GENESIS.to_string(), last_seq: None, checked: 0 }
    }
}

impl ChainVerifier {
    /// Check the next entry in sequence order; the first error is the first broken entry.
    pub fn check(&mut self, s: &StoredEntry) -> Result<(), ChainError> {
        let seq = s.entry.seq;
        if let Some(prev) = self.last_seq
            && seq <= prev
        {
            return Err(ChainError::Sequence { seq, prev });
        }
        if s.prev_hash != self.last_hash {
            return Err(ChainError::Broken { seq });
        }
        if entry_hash(&s.prev_hash, &s.entry) != s.hash {
            return Err(ChainError::Altered { seq });
        }
        self.last_hash = s.hash.clone();
        self.last_seq = Some(seq);
        self.checked += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(seq: i64, action: &str) -> AuditEntry {
        AuditEntry {
            seq,
            at: format!("2026-11-29T10:00:0{seq}.000000Z"),
            actor_id: Some(7),
            actor_name: "Karin Kommunikatör".into(),
            action: action.into(),
            object_type: "channel".into(),
            object_id: "3".into(),
            channel_id: Some(3),
            before: "null".into(),
            after: r#"{"state":"active"}"#.into(),
            source: "127.0.0.1".into(),
        }
    }

    fn chain(n: i64) -> Vec<StoredEntry> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|seq| {
                let e = entry(seq, "channel.update");
                let hash = entry_hash(&prev, &e);
                let s = StoredEntry { entry: e, prev_hash: prev.clone(), hash: hash.clone() };
                prev = hash;
                s
            })
            .collect()
    }

    fn verify(entries: &[StoredEntry]) -> Result<u64, ChainError> {
        let mut v = ChainVerifier::default();
        for e in entries {
            v.check(e)?;
        }
        Ok(v.checked)
    }

    #[test]
    fn intact_chain_verifies() {
        assert_eq!(verify(&chain(5)), Ok(5));
    }

    #[test]
    fn altered_entry_is_named() {
        let mut c = chain(5);
        c[2].entry.after = r#"{"state":"closed"}"#.into();
        assert_eq!(verify(&c), Err(ChainError::Altered { seq: 3 }));
    }

    #[test]
    fn removed_entry_breaks_the_chain_at_its_successor() {
        let mut c = chain(5);
        c.remove(1);
        assert_eq!(verify(&c), Err(ChainError::Broken { seq: 3 }));
    }

    #[test]
    fn rehashed_forgery_still_breaks_the_next_link() {
        let mut c = chain(4);
        c[1].entry.actor_name = "Någon annan".into();
        c[1].hash = entry_hash(&c[1].prev_hash, &c[1].entry);
        assert_eq!(verify(&c), Err(ChainError::Broken { seq: 3 }));
    }

    #[test]
    fn field_boundaries_cannot_be_shifted() {
        let mut a = entry(1, "ab");
        a.object_type = "c".into();
        let mut b = entry(1, "a");
        b.object_type = "bc".into();
        assert_ne!(entry_hash(GENESIS, &a), entry_hash(GENESIS, &b));
    }
}
