-- A polled connector's own bookmark (e.g. the newest Mastodon ids seen), as JSON.
ALTER TABLE poll_state ADD COLUMN cursor TEXT;
