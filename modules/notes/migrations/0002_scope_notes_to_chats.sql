-- Notes belong to the chat they were saved in: a note saved in a private
-- chat is never listed in a group. chat_id is NULL for notes saved before
-- this migration; those count as the owner's private notes (listed only in
-- the private chat with the owner, whose chat id equals the owner's id).
-- user_id keeps its name (running code reads it) and holds the owner: a user
-- id, or the chat id of an anonymous sender (miti::Sender::id).
ALTER TABLE notes_notes ADD COLUMN chat_id INTEGER;

-- /notes: the owner's newest notes in one chat.
CREATE INDEX notes_notes_owner_chat ON notes_notes (user_id, chat_id, id);
