-- Version 12: the import keys of ideas whose author was erased (trial 28: importing the same
-- file again brought an erased person's ideas back). A key is a SHA-256 of the row's content;
-- it says nothing without the file, and it keeps the erasure in force.
CREATE TABLE erased_imports (
    import_key TEXT PRIMARY KEY,
    erased_at TEXT NOT NULL
);
