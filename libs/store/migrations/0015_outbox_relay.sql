-- The outbox relay leases the rows it publishes (a short claim transaction, the publication
-- outside any transaction, a short finish transaction) instead of holding row locks while
-- Kafka acknowledges. A lease that expired (its replica died) makes the row claimable again.
ALTER TABLE outbox
  ADD COLUMN leased_by   text        NOT NULL DEFAULT '',
  ADD COLUMN lease_until timestamptz;
-- A journey's rows go out in id order: the claim skips a row while an earlier row of the same
-- key is still due, leased or retrying.
CREATE INDEX outbox_by_key ON outbox (msg_key, id);

-- Rows the relay gave up on: Kafka rejected the record (too large, invalid topic) or it failed
-- --outbox-max-attempts times while Kafka answered. Moved out of outbox so they never block the
-- rows behind them; kept, with the reason, until an operator re-queues or deletes them.
CREATE TABLE outbox_dead_letters (
  id         bigint      PRIMARY KEY,            -- its id in outbox
  topic      text        NOT NULL,
  msg_key    text        NOT NULL,
  payload    bytea       NOT NULL,
  created_at timestamptz NOT NULL,
  attempts   integer     NOT NULL,
  reason     text        NOT NULL,
  dead_at    timestamptz NOT NULL
);
