-- Idea and question numbers are never issued twice. SQLite gives a new row the highest id + 1,
-- so after an erasure removed #13, the next idea became someone else's #13 and an old link or
-- message pointed at it. The last number issued per table is kept here and only ever grows.
CREATE TABLE issued_numbers (
    kind TEXT PRIMARY KEY,
    last INTEGER NOT NULL
);
INSERT INTO issued_numbers (kind, last) SELECT 'ideas', COALESCE(MAX(id), 0) FROM ideas;
INSERT INTO issued_numbers (kind, last) SELECT 'questions', COALESCE(MAX(id), 0) FROM questions;
