-- Version 2: what semantic matching needs beyond version 1.

-- Introductions one person asked for; either side can decline.
CREATE TABLE introductions (
    id INTEGER PRIMARY KEY,
    requester_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    target_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    idea_id INTEGER REFERENCES ideas(id) ON DELETE SET NULL,
    status TEXT NOT NULL DEFAULT 'offen' CHECK (status IN ('offen', 'abgelehnt')),
    declined_by INTEGER REFERENCES people(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX introductions_people ON introductions(requester_id, target_id);

-- Interest topics are matched by meaning too; their vectors are cached with the model name.
ALTER TABLE interests ADD COLUMN embedding BLOB;
ALTER TABLE interests ADD COLUMN embedding_model TEXT;

CREATE INDEX idea_links_b ON idea_links(idea_b);
