-- Version 11: a question may go to several plan items' owners ("Die XRechnung kommt aus dem
-- E-Rechnungseingang nicht in proDoppik an" names two systems, each run by somebody else);
-- one row per question and item. The key changes, so the table is made again (SQLite cannot
-- change a primary key in place; PostgreSQL runs the same).
CREATE TABLE plan_question_links_v11 (
    question_id INTEGER NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
    item_key TEXT NOT NULL REFERENCES plan_items(key) ON DELETE CASCADE,
    owner TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (question_id, item_key)
);
INSERT INTO plan_question_links_v11 (question_id, item_key, owner, created_at)
    SELECT question_id, item_key, owner, created_at FROM plan_question_links;
DROP TABLE plan_question_links;
ALTER TABLE plan_question_links_v11 RENAME TO plan_question_links;
CREATE INDEX plan_question_links_item ON plan_question_links(item_key);
CREATE INDEX plan_question_links_owner ON plan_question_links(owner);
