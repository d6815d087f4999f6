-- Version 14: an idea's author may change its text (an edit of the chat message, `!aendern`).
-- The old text is not kept: an author who edits a name or a phone number out of an idea must
-- be able to rely on it being gone. 'edited_seq' numbers the edits in the order they were
-- made (from issued_numbers), so a process sharing the database re-reads the vectors of
-- ideas another process changed since it last looked, as it takes up new ideas by number.
ALTER TABLE ideas ADD COLUMN edited_seq INTEGER;
INSERT INTO issued_numbers (kind, last) VALUES ('idea_edits', 0);
CREATE INDEX ideas_edited ON ideas(edited_seq);
