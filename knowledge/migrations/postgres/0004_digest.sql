-- Version 4 for PostgreSQL (see ../0004_digest.sql).

CREATE TABLE digest_runs (
    fire_time TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('start', 'sent')),
    recipients INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

CREATE TABLE digest_introductions (
    person_a BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    person_b BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    suggested_at TEXT NOT NULL,
    PRIMARY KEY (person_a, person_b)
);
