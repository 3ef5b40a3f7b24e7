-- miti (framework): the update that asked each pending question. A plain
-- message takes a question only if it came after that update, so a
-- re-delivered answer never takes the follow-up question its own first
-- delivery asked (conversation steps run without a delivery record; see
-- docs/architecture.md, "Delivery"). Rows from before default to 0: any
-- message may answer them.
ALTER TABLE miti_conversations ADD COLUMN asked_by_update INTEGER NOT NULL DEFAULT 0;
