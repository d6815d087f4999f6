-- Version 4: the weekly synergy digest.

-- Which scheduled digest fire times are covered. 'start' is the moment the schedule began
-- (nothing sent); 'sent' a digest that went out. The next fire time is computed from the
-- latest row, so a restart neither repeats nor skips a digest; the primary key makes a
-- second process find the fire time taken.
CREATE TABLE digest_runs (
    fire_time TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('start', 'sent')),
    recipients INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

-- Introductions the digest suggested (pairs stored smaller id first), so the same two people
-- are not suggested again every week.
CREATE TABLE digest_introductions (
    person_a INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    person_b INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    suggested_at TEXT NOT NULL,
    PRIMARY KEY (person_a, person_b)
);
