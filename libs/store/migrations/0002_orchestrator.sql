-- Orchestrator schema: campaigns, journeys and everything a journey's timeline needs.
-- Times are timestamptz; ids are text (UUIDs or ids chosen by the CRM); enums are smallint with
-- the numbers of proto/blend/v1 (JourneyStatus, Channel) so the gRPC layer maps them 1:1.

-- Immutable campaign versions: rows are only ever inserted.
CREATE TABLE campaigns (
  campaign_id      text        NOT NULL,
  version          integer     NOT NULL CHECK (version > 0),
  definition_json  text        NOT NULL,
  policies_json    text        NOT NULL DEFAULT '',
  resource_aliases jsonb       NOT NULL DEFAULT '{}'::jsonb,
  created_at       timestamptz NOT NULL,
  PRIMARY KEY (campaign_id, version)
);

-- One row per journey. `version` is the optimistic-concurrency counter: every state change
-- increments it (writers also lock the row FOR UPDATE, the counter guards read-modify-write
-- paths that did not). `input_hash` makes StartJourney idempotent by (campaign, client key).
CREATE TABLE journeys (
  journey_id       text        PRIMARY KEY,
  campaign_id      text        NOT NULL,
  campaign_version integer     NOT NULL,
  client_key       text        NOT NULL,
  input_hash       text        NOT NULL,
  customer_id      text        NOT NULL,
  customer         jsonb       NOT NULL,           -- blend.v1.Customer as JSON
  status           smallint    NOT NULL,           -- blend.v1.JourneyStatus
  current_state    text        NOT NULL DEFAULT '',
  state            jsonb       NOT NULL,           -- the interpreter's JourneyState
  version          bigint      NOT NULL DEFAULT 1,
  pending_timer    timestamptz,
  started_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL,
  finished_at      timestamptz,
  error            text        NOT NULL DEFAULT '',
  cause            text        NOT NULL DEFAULT '',
  FOREIGN KEY (campaign_id, campaign_version) REFERENCES campaigns (campaign_id, version),
  UNIQUE (campaign_id, client_key)
);
CREATE INDEX journeys_by_customer ON journeys (customer_id, started_at, journey_id);
CREATE INDEX journeys_running_by_customer ON journeys (customer_id) WHERE status = 1;
CREATE INDEX journeys_running_by_state ON journeys (campaign_id, current_state) WHERE status = 1;

CREATE TABLE journey_history (
  journey_id text        NOT NULL REFERENCES journeys (journey_id) ON DELETE CASCADE,
  seq        bigint      NOT NULL,
  at         timestamptz NOT NULL,
  kind       text        NOT NULL,
  state_name text        NOT NULL DEFAULT '',
  detail     jsonb       NOT NULL DEFAULT '{}'::jsonb,
  PRIMARY KEY (journey_id, seq)
);

-- Durable timers: a waiting journey costs one row, no memory. Claimed by due_at with
-- FOR UPDATE SKIP LOCKED so replicas share the work.
CREATE TABLE timers (
  journey_id text        NOT NULL REFERENCES journeys (journey_id) ON DELETE CASCADE,
  timer_key  text        NOT NULL,
  due_at     timestamptz NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (journey_id, timer_key)
);
CREATE INDEX timers_due ON timers (due_at);

-- Transactional outbox: rows commit with the state change that produced them; the relay
-- publishes them (claimed FOR UPDATE SKIP LOCKED) and deletes them only after the broker
-- acknowledged. `available_at` delays re-emitted (deferred) touches.
CREATE TABLE outbox (
  id           bigserial   PRIMARY KEY,
  topic        text        NOT NULL,
  msg_key      text        NOT NULL,
  payload      bytea       NOT NULL,
  created_at   timestamptz NOT NULL,
  available_at timestamptz NOT NULL,
  attempts     integer     NOT NULL DEFAULT 0,
  last_error   text        NOT NULL DEFAULT ''
);
CREATE INDEX outbox_available ON outbox (available_at, id);

-- Every touch a journey emitted. The claim record is the fence workers pass before they contact
-- Genesys (a touch is granted at most once); claimed rows are the frequency-cap history.
CREATE TABLE touches (
  touch_id     text        PRIMARY KEY,
  journey_id   text        NOT NULL REFERENCES journeys (journey_id) ON DELETE CASCADE,
  customer_id  text        NOT NULL,
  channel      smallint    NOT NULL,             -- blend.v1.Channel
  status       text        NOT NULL,             -- pending | claimed | refused | deferred | done
  attempt      integer     NOT NULL DEFAULT 1,
  command      bytea       NOT NULL,             -- the blend.v1.TouchCommand, for re-emission
  created_at   timestamptz NOT NULL,
  not_before   timestamptz,
  claimed_at   timestamptz,
  claimed_by   text        NOT NULL DEFAULT '',
  reason       text        NOT NULL DEFAULT '',
  completed_at timestamptz
);
CREATE INDEX touches_by_journey ON touches (journey_id, created_at);
CREATE INDEX touches_claimed_by_customer ON touches (customer_id, channel, claimed_at)
  WHERE claimed_at IS NOT NULL;

-- Ids of applied bus messages / customer events: written in the transaction that applies
-- them, so a redelivery is recognised and applied zero more times.
CREATE TABLE processed_messages (
  message_id   text        PRIMARY KEY,
  source       text        NOT NULL,
  processed_at timestamptz NOT NULL
);

-- What customer events told us about a customer, one row per attribute (latest wins).
-- A journey sees the facts received since it started.
CREATE TABLE customer_facts (
  customer_id text        NOT NULL,
  fact_key    text        NOT NULL,
  value       jsonb       NOT NULL,
  received_at timestamptz NOT NULL,
  PRIMARY KEY (customer_id, fact_key)
);

-- Opt-outs and DNC entries per channel and address (E.164 phone or lower-case email).
-- kind: opt_out | dnc. source: where it came from (sms-keyword, email-unsubscribe, api, ...).
CREATE TABLE suppressions (
  channel     smallint    NOT NULL,              -- blend.v1.Channel
  address     text        NOT NULL,
  kind        text        NOT NULL,
  source      text        NOT NULL,
  customer_id text        NOT NULL DEFAULT '',
  received_at timestamptz NOT NULL,
  PRIMARY KEY (channel, address, kind)
);
CREATE INDEX suppressions_by_customer ON suppressions (customer_id) WHERE customer_id <> '';

-- Exact microsecond conversions used by the orchestrator's queries (times cross the libpqxx
-- boundary as int64 microseconds since the Unix epoch).
CREATE FUNCTION blend_us_to_ts(bigint) RETURNS timestamptz
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT timestamptz 'epoch' + $1 * interval '1 microsecond' $$;
CREATE FUNCTION blend_ts_to_us(timestamptz) RETURNS bigint
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT (extract(epoch FROM $1) * 1000000)::bigint $$;
