-- Ideenlotse schema, version 1. Timestamps are ISO 8601 in UTC.
--
-- Written once for both backends, in SQLite's words: PostgreSQL runs it with its own types
-- (knowledge/dialect.py). A statement one backend alone needs is marked "-- only <name>:".

CREATE TABLE people (
    id INTEGER PRIMARY KEY,
    platform TEXT NOT NULL,              -- console, matrix, slack
    platform_user_id TEXT NOT NULL,      -- @anna:stadt.de, U0123, console name
    display_name TEXT NOT NULL,
    department TEXT,
    role TEXT NOT NULL DEFAULT 'staff' CHECK (role IN ('staff', 'cdo', 'cio', 'admin')),
    matching_opt_in INTEGER NOT NULL DEFAULT 0,
    language TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (platform, platform_user_id)
);

CREATE TABLE interests (
    person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    topic TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (person_id, topic)
);
-- only postgres: SQLite's implicit rowid, which lists a person's interests in the order given.
ALTER TABLE interests ADD COLUMN rowid BIGINT GENERATED ALWAYS AS IDENTITY;

CREATE TABLE ideas (
    id INTEGER PRIMARY KEY,
    author_id INTEGER REFERENCES people(id) ON DELETE SET NULL,
    title TEXT,
    text TEXT NOT NULL,
    department TEXT,
    status TEXT NOT NULL DEFAULT 'neu' CHECK (status IN
        ('neu', 'in_pruefung', 'in_umsetzung', 'umgesetzt', 'abgelehnt', 'zusammengefuehrt')),
    source_platform TEXT,
    source_room TEXT,
    source_event_id TEXT,
    import_key TEXT UNIQUE,              -- content hash of an imported row: re-imports add nothing
    merged_into INTEGER REFERENCES ideas(id),
    embedding BLOB,                      -- normalised vector, filled by the matching layer
    embedding_model TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX ideas_author ON ideas(author_id);
CREATE INDEX ideas_created ON ideas(created_at);

-- Full text over German-folded text (see knowledge/folding.py). The trigram tokenizer finds
-- word parts, which German compounds need: "rechnung" finds "Eingangsrechnungen".
-- only sqlite:
CREATE VIRTUAL TABLE ideas_fts USING fts5(title, text, tokenize = 'trigram');
-- only postgres: the same name and columns as a plain table, searched with LIKE (the bundled
-- server has no pg_trgm), so inserts and deletes are shared; only the search query differs.
CREATE TABLE ideas_fts (
    rowid BIGINT PRIMARY KEY REFERENCES ideas(id) ON DELETE CASCADE,
    title TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL DEFAULT ''
);

-- The idea vectors again, as pgvector values for similar-idea search (HNSW indexes per
-- dimension are made on first use, see knowledge/pg.py). Kept out of `ideas` so that
-- `SELECT ideas.*` does not carry them. SQLite compares the blobs in memory instead.
-- only postgres:
CREATE EXTENSION IF NOT EXISTS vector;
-- only postgres:
CREATE TABLE idea_vectors (
    idea_id BIGINT PRIMARY KEY REFERENCES ideas(id) ON DELETE CASCADE,
    model TEXT NOT NULL,
    embedding vector NOT NULL
);

CREATE TABLE supports (
    idea_id INTEGER NOT NULL REFERENCES ideas(id) ON DELETE CASCADE,
    person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (idea_id, person_id)
);

CREATE TABLE idea_links (
    id INTEGER PRIMARY KEY,
    idea_a INTEGER NOT NULL REFERENCES ideas(id) ON DELETE CASCADE,
    idea_b INTEGER NOT NULL REFERENCES ideas(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('similar', 'duplicate', 'merged', 'not_similar')),
    score REAL,
    confirmed_by INTEGER REFERENCES people(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    UNIQUE (idea_a, idea_b, kind)
);

CREATE TABLE questions (
    id INTEGER PRIMARY KEY,
    asker_id INTEGER REFERENCES people(id) ON DELETE SET NULL,
    text TEXT NOT NULL,
    target TEXT CHECK (target IN ('cdo', 'cio', 'both')),
    confidence REAL,
    reason TEXT,
    status TEXT NOT NULL DEFAULT 'offen' CHECK (status IN ('offen', 'beantwortet', 'geschlossen')),
    source_platform TEXT,
    source_room TEXT,
    source_thread TEXT,
    source_event_id TEXT,
    embedding BLOB,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE answers (
    id INTEGER PRIMARY KEY,
    question_id INTEGER NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
    responder_id INTEGER REFERENCES people(id) ON DELETE SET NULL,
    text TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- Each platform event is handled at most once: the key is written in the same transaction
-- as the event's effects.
CREATE TABLE processed_events (
    platform TEXT NOT NULL,
    event_id TEXT NOT NULL,
    person_id INTEGER REFERENCES people(id) ON DELETE CASCADE,
    processed_at TEXT NOT NULL,
    PRIMARY KEY (platform, event_id)
);

-- What happened, by whom, to what. `detail` never holds message text.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor_id INTEGER REFERENCES people(id) ON DELETE SET NULL,
    action TEXT NOT NULL,
    subject_type TEXT,
    subject_id INTEGER,
    detail TEXT
);
CREATE INDEX audit_at ON audit_log(at);
