-- E-mail notices already sent, by a key naming what they were about, so each is sent once.
CREATE TABLE notifications (
    key TEXT PRIMARY KEY,
    recipients TEXT NOT NULL,
    subject TEXT NOT NULL,
    sent_at TEXT NOT NULL
);
