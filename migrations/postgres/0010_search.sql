-- Swedish full-text search over captured items (REC-3, REC-6). The terms are stemmed in Rust
-- (domain::search) and written here, so SQLite and PostgreSQL index and find the same words;
-- the 'simple' configuration only splits them, it does not stem again.
CREATE TABLE item_search (
    item_id BIGINT PRIMARY KEY REFERENCES items(id),
    terms TEXT NOT NULL,
    tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', terms)) STORED
);
CREATE INDEX item_search_tsv ON item_search USING GIN (tsv);
