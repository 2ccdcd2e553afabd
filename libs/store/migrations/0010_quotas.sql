-- Global per-client quotas shared by every worker replica (libs/quota).
-- One token bucket per Genesys OAuth client; replicas lease a few tokens at a time.
CREATE TABLE quotas (
  name            text PRIMARY KEY,
  capacity        double precision NOT NULL CHECK (capacity >= 1),
  refill_per_sec  double precision NOT NULL CHECK (refill_per_sec > 0),
  tokens          double precision NOT NULL,
  updated_at      timestamptz NOT NULL,
  -- A 429 from Genesys pauses the whole quota, on every replica, until this time.
  paused_until    timestamptz NOT NULL DEFAULT '-infinity',
  leased_total    bigint NOT NULL DEFAULT 0
);
