-- Version 10: one-time confirmation codes (`!vergiss-mich`) in the database, not in one
-- process's memory: several bot processes share one database, and the confirmation can reach
-- another process than the request did (trial 14: a code from one console was refused by the
-- next). Only a SHA-256 hash of a code is kept; a code works once, for minutes, for the person
-- who asked, and goes with them (ON DELETE CASCADE, and the erasure's rule).
CREATE TABLE confirmations (
    purpose TEXT NOT NULL,
    person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    PRIMARY KEY (purpose, person_id)
);
