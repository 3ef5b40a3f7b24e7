-- remind: a group that became a supergroup takes its unfinished reminders
-- along (deliver: UPDATE ... WHERE chat_id = ? AND state IN ('pending',
-- 'sending')); this partial index lets that read only those rows.
CREATE INDEX remind_reminders_open_by_chat ON remind_reminders (chat_id)
  WHERE state IN ('pending', 'sending');
