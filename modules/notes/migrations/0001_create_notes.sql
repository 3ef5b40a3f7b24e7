-- One row per note. user_id is the Telegram sender (ids fit in 52 bits, so
-- they survive D1's doubles); created_at is milliseconds since the epoch.
CREATE TABLE notes_notes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL,
  text TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

-- /notes reads a user's newest notes first.
CREATE INDEX notes_notes_user_id ON notes_notes (user_id, id);
