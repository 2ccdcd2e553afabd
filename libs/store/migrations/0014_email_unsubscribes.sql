-- The email-worker's unsubscribe outbox (services/email-worker). A click on an unsubscribe link
-- is recorded here before the customer is answered; a background publisher then delivers the
-- opt-out CustomerEvent to blend.customer-events, retrying until Kafka acknowledges it, so an
-- unsubscribe during a Kafka outage is not lost. One row per event id
-- (email-unsubscribe:<customer>:<touch>): a second click is the same unsubscribe, and the
-- orchestrator dedupes on the same id. Delivered rows stay as the record of the opt-out.
CREATE TABLE email_unsubscribes (
  event_id     text        PRIMARY KEY,
  customer_id  text        NOT NULL,          -- the Kafka key
  event        bytea       NOT NULL,          -- blend.v1.CustomerEvent as built at the click
  recorded_at  timestamptz NOT NULL,
  available_at timestamptz NOT NULL,          -- due for (re)publishing from then (lease, backoff)
  attempts     integer     NOT NULL DEFAULT 0,
  last_error   text,
  delivered_at timestamptz                    -- when Kafka acknowledged it
);

CREATE INDEX email_unsubscribes_pending ON email_unsubscribes (available_at)
  WHERE delivered_at IS NULL;
