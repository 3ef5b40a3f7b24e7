-- miti (framework): one row per routed update_id, so that a re-delivered
-- update takes effect at most once. See src/dispatch/delivery.hpp.
--
-- state: 'running'  a delivery holds the claim (token `claim`) until lease_until
--        'done'     the handler finished; later deliveries are skipped
-- Times are epoch milliseconds, UTC. Trimmed daily (framework cron miti/trim).
CREATE TABLE miti_updates (
  update_id INTEGER PRIMARY KEY,
  claim TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('running', 'done')),
  lease_until INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 1,
  received_at INTEGER NOT NULL
);

CREATE INDEX miti_updates_received ON miti_updates (received_at);
