-- Version 3: what questions need beyond the tables of version 1.

-- The vector of a question is kept with its model name (stale vectors are re-encoded).
ALTER TABLE questions ADD COLUMN embedding_model TEXT;
-- Asked in a direct message: the answer goes back as a direct message, else into the thread.
ALTER TABLE questions ADD COLUMN asked_directly INTEGER NOT NULL DEFAULT 0;
-- An earlier answer or idea offered before routing ("did this help?"); NULL: none offered.
ALTER TABLE questions ADD COLUMN offered_answer_id INTEGER REFERENCES answers(id) ON DELETE SET NULL;
ALTER TABLE questions ADD COLUMN offered_idea_id INTEGER REFERENCES ideas(id) ON DELETE SET NULL;
-- Routing and reminder bookkeeping: the SLA runs from routed_at (reset by a re-routing);
-- reminded_at is the reminder to the role holders, escalated_at the one to the admin role.
ALTER TABLE questions ADD COLUMN routed_at TEXT;
ALTER TABLE questions ADD COLUMN reminded_at TEXT;
ALTER TABLE questions ADD COLUMN escalated_at TEXT;
CREATE INDEX questions_open ON questions(status, routed_at);
CREATE INDEX questions_asker ON questions(asker_id);
CREATE INDEX answers_question ON answers(question_id);

-- Re-routings by role holders: an audit trail, and training examples replayed at start-up.
CREATE TABLE reroutes (
    id INTEGER PRIMARY KEY,
    question_id INTEGER NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
    person_id INTEGER REFERENCES people(id) ON DELETE SET NULL,
    from_target TEXT CHECK (from_target IN ('cdo', 'cio', 'both')),
    to_target TEXT NOT NULL CHECK (to_target IN ('cdo', 'cio', 'both')),
    created_at TEXT NOT NULL
);
CREATE INDEX reroutes_question ON reroutes(question_id);
