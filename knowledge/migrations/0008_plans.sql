-- Version 8: the city's plans as knowledge (issue #18): the Digital Agenda's goals, the
-- projects of the IT project plan and the systems they touch, and what ideas and questions
-- were found to be about them.

-- One row per plan item, known by the key the plan gives it ("A1", "P-3", "S-12"), so a plan
-- imported again updates its rows instead of adding them twice. 'goal' is the key of the
-- agenda goal a project or system serves; 'systems' and 'aliases' are JSON lists of text
-- (system keys; further names and product names). 'owner' is the plan's contact person as
-- the plan names them (best their chat user id): a role, reachable for questions whatever
-- they chose about being suggested to colleagues.
CREATE TABLE plan_items (
    key TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('agenda', 'project', 'system')),
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    owner TEXT,
    department TEXT,
    status TEXT,
    goal TEXT,
    systems TEXT NOT NULL DEFAULT '[]',
    aliases TEXT NOT NULL DEFAULT '[]',
    start_date TEXT,
    end_date TEXT,
    embedding BLOB,
    embedding_model TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX plan_items_kind ON plan_items(kind);
CREATE INDEX plan_items_owner ON plan_items(owner);

-- Plan items an idea was found to be about at its intake (the project that already covers
-- it, the goal it serves, the systems it touches), with the score and the reason shown.
-- 'notified_at': when the project's owner was told of it; their notices are batched.
CREATE TABLE plan_idea_links (
    idea_id INTEGER NOT NULL REFERENCES ideas(id) ON DELETE CASCADE,
    item_key TEXT NOT NULL REFERENCES plan_items(key) ON DELETE CASCADE,
    score REAL NOT NULL,
    reason TEXT,
    created_at TEXT NOT NULL,
    notified_at TEXT,
    PRIMARY KEY (idea_id, item_key)
);
CREATE INDEX plan_idea_links_item ON plan_idea_links(item_key);
CREATE INDEX plan_idea_links_pending ON plan_idea_links(notified_at);

-- The plan item a question was found to be about, and the owner it went to besides the role
-- holders; reminders and re-routings read it from here.
CREATE TABLE plan_question_links (
    question_id INTEGER PRIMARY KEY REFERENCES questions(id) ON DELETE CASCADE,
    item_key TEXT NOT NULL REFERENCES plan_items(key) ON DELETE CASCADE,
    owner TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX plan_question_links_item ON plan_question_links(item_key);
