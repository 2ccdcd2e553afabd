-- The channel workers' ledger (libs/worker): one row per touch a worker is about to send or
-- has sent, so a redelivered Kafka message never reaches Genesys twice.
--   state 'calling': written right before the Genesys request; a row still 'calling' after a
--                    crash means the outcome is unknown (reported as UNKNOWN, never resent).
--   state 'done':    the disposition (binary blend.v1.Disposition) to publish again on redelivery.
CREATE TABLE touch_outcomes (
  touch_id     text PRIMARY KEY,
  channel      text NOT NULL,
  state        text NOT NULL CHECK (state IN ('calling', 'done')),
  worker_id    text NOT NULL,
  disposition  bytea,
  started_at   timestamptz NOT NULL,
  finished_at  timestamptz
);
