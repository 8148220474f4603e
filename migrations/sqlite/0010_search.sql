-- Swedish full-text search over captured items (REC-3, REC-6). The terms are stemmed in Rust
-- (domain::search) and written here, so SQLite and PostgreSQL index and find the same words.
-- remove_diacritics 0 keeps å, ä and ö distinct from a and o. The rowid is the item's id.
CREATE VIRTUAL TABLE item_search USING fts5(terms, tokenize = 'unicode61 remove_diacritics 0');
