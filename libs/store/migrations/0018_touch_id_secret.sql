-- Unguessable touch ids (services/orchestrator, "Touch ids"). The interpreter names a touch
-- `<journey>/<state>/<n>`, which anyone can guess; the id workers, Kafka and Genesys see is
-- `<journey>/<HMAC-SHA256 of that name under this installation's secret, 32 hex digits>`.
-- The HMAC is deterministic, so a replayed or retried step emits the same id (emission stays
-- idempotent) and the orchestrator maps an id back to the interpreter's name without storing it.
--
--   name     'touch_id' (the only one today).
--   secret   32 bytes (244 random bits) from gen_random_uuid(), PostgreSQL's strong random
--            source, made once when this migration runs: one secret per installation. Never rotate it while
--            touches are open: their ids would no longer map back to the journeys' runs.
CREATE TABLE installation_secrets (
  name       text        PRIMARY KEY,
  secret     bytea       NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO installation_secrets (name, secret)
VALUES ('touch_id', decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''),
                           'hex'));
