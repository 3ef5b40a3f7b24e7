-- miti (framework): pending conversations, one per chat and owner (the
-- person asked). A step is resumed by name: no code waits across updates.
-- See src/dispatch/conversations.hpp.
CREATE TABLE miti_conversations (
  chat_id INTEGER NOT NULL,
  owner_id INTEGER NOT NULL,  -- a user id, or the chat id of an anonymous sender
  module TEXT NOT NULL,
  step TEXT NOT NULL,
  state TEXT NOT NULL,        -- JSON handed to the step as ctx.state()
  expires_at INTEGER NOT NULL, -- epoch ms; an expired question is ignored
  PRIMARY KEY (chat_id, owner_id)
);

CREATE INDEX miti_conversations_expiry ON miti_conversations (expires_at);
