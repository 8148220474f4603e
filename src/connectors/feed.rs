//! Feeds (RSS, Atom, JSON Feed). Being written.
