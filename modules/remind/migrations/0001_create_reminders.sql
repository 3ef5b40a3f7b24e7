-- remind: one row per reminder, from /remind until trim deletes it.
--
-- state: 'pending'   waiting for next_at
--        'sending'   claimed by a deliver run, claim = the token of that claim,
--                    next_at is then the lease expiry after which a later run
--                    may take it over (the claimant is certainly gone)
--        'delivered' Telegram accepted the message (finished_at = when)
--        'failed'    given up (finished_at = when, last_error = why)
-- Times are epoch milliseconds, UTC.
CREATE TABLE remind_reminders (
  id INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused: /unremind <id> stays unambiguous
  chat_id INTEGER NOT NULL,
  thread_id INTEGER,                    -- forum topic the reminder was set in
  message_id INTEGER,                   -- the /remind message, replied to on delivery
  user_id INTEGER NOT NULL,
  text TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  due_at INTEGER NOT NULL,              -- what the user asked for (shown)
  next_at INTEGER NOT NULL,             -- when deliver may next take it (due, retry or lease)
  state TEXT NOT NULL DEFAULT 'pending'
    CHECK (state IN ('pending', 'sending', 'delivered', 'failed')),
  claim TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  finished_at INTEGER
);

-- deliver: the due, unfinished rows in next_at order. A partial index, so a
-- claim reads only the rows it takes, however many finished rows pile up.
CREATE INDEX remind_reminders_queue ON remind_reminders (next_at)
  WHERE state IN ('pending', 'sending');

-- /reminders (user + chat, soonest first) and the 100-per-user count.
CREATE INDEX remind_reminders_open_by_user ON remind_reminders (user_id, chat_id, due_at)
  WHERE state IN ('pending', 'sending');

-- trim: finished rows by age.
CREATE INDEX remind_reminders_finished ON remind_reminders (finished_at)
  WHERE state IN ('delivered', 'failed');
