-- Version 9: the Lagebild cockpit's login links and browser sessions (issue #19).
--
-- One table for both: a link (valid once, for minutes) becomes a session (hours). Only a
-- SHA-256 hash of each token is kept, so a copy of the database logs nobody in. A row belongs
-- to a person and goes with them when they are erased (ON DELETE CASCADE, and the erasure's
-- own rule in knowledge/privacy.py).
CREATE TABLE web_logins (
    token_hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('link', 'session')),
    person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT                         -- a link: when it was redeemed (then it is spent)
);
CREATE INDEX web_logins_person ON web_logins(person_id);
CREATE INDEX web_logins_expires ON web_logins(expires_at);
