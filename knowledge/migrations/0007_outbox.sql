-- Version 7: one outbox for every reply, reminder and digest, whichever platform sends it.
--
-- A row is written in the transaction of what caused it (a chat event's claim in
-- processed_events, a reminder's mark on its question, a digest's fire time), so what the bot
-- committed to is on disk before anything is sent, and a platform's retry of the event is a
-- replay that still finds its reply here. Each adapter takes the rows of its platform, sends
-- them and marks them delivered once the platform accepted them (knowledge/outbox.py).
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    platform TEXT,                       -- the adapter that sends it; NULL: whichever asks first
    kind TEXT NOT NULL CHECK (kind IN ('answer', 'reminder', 'digest')),
    cause TEXT NOT NULL,                 -- answer: the event id; digest: the fire time
    person_id INTEGER REFERENCES people(id) ON DELETE SET NULL,  -- the recipient, if known
    direct_to TEXT,                      -- the reply's own address (bot.events.Reply) ...
    room TEXT,
    thread_id TEXT,
    origin_room TEXT,                    -- ... and that of the event it answers
    origin_user TEXT,
    reply_to TEXT,                       -- the message answered (None: a click, a schedule)
    content TEXT,                        -- text, buttons and files as JSON; NULL once sent
    delivery_key TEXT NOT NULL,          -- unique beyond this database: Matrix's transaction id
    created_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,       -- taken no earlier; taking it moves this on (a lease)
    delivered_at TEXT,
    given_up_at TEXT
);
CREATE INDEX outbox_waiting ON outbox(next_attempt_at) WHERE delivered_at IS NULL AND given_up_at IS NULL;
CREATE INDEX outbox_cause ON outbox(kind, cause);
CREATE INDEX outbox_person ON outbox(person_id);
CREATE INDEX outbox_created ON outbox(created_at);

-- A digest counts as sent once it was delivered: 'queued' from the claim of its fire time
-- until the last of its outbox rows is delivered. The kinds are a CHECK, so the table is
-- made again (SQLite cannot change a constraint in place; PostgreSQL runs the same).
CREATE TABLE digest_runs_v7 (
    fire_time TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('start', 'queued', 'sent')),
    recipients INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
INSERT INTO digest_runs_v7 (fire_time, kind, recipients, created_at)
    SELECT fire_time, kind, recipients, created_at FROM digest_runs;
DROP TABLE digest_runs;
ALTER TABLE digest_runs_v7 RENAME TO digest_runs;
