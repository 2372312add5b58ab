-- A SQLite schema as an application keeps it.
PRAGMA foreign_keys = ON;
PRAGMA journal_mode = WAL;

BEGIN TRANSACTION;

CREATE TABLE IF NOT EXISTS "users" (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    handle TEXT NOT NULL UNIQUE COLLATE NOCASE,
    karma INT DEFAULT 0,
    joined DATETIME DEFAULT CURRENT_TIMESTAMP,
    avatar BLOB,
    score REAL,
    settings JSON
);

CREATE TABLE notes (
    note_id integer primary key,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    body VARYING CHARACTER(500),
    weight UNSIGNED BIG INT,
    stamp DATETIME,
    flag BOOLEAN NOT NULL DEFAULT 0 CHECK (flag IN (0, 1))
);

CREATE TABLE tags (name TEXT PRIMARY KEY, color) WITHOUT ROWID;

CREATE INDEX notes_user_idx ON notes (user_id);
CREATE UNIQUE INDEX IF NOT EXISTS users_handle_lower ON users (lower(handle));

CREATE TRIGGER notes_touch AFTER UPDATE ON notes
BEGIN
    UPDATE notes SET stamp = CURRENT_TIMESTAMP WHERE note_id = NEW.note_id;
END;

CREATE VIEW user_notes AS SELECT u.handle, n.body FROM users u JOIN notes n ON n.user_id = u.id;

INSERT INTO users (handle, karma, score, settings) VALUES ('ada', 10, 1.5, '{"theme": "dark"}');
INSERT INTO users (handle) VALUES ('grace');
INSERT INTO notes (user_id, body, weight, stamp, flag) VALUES (1, 'first; note', 3, '2024-05-01 12:00:00', 1);
INSERT INTO tags VALUES ('red', '#f00'), ('blue', 42);

COMMIT;
