-- The dialer-worker's state (services/dialer-worker).

-- Webhook deliveries already applied (postContact call outcomes, inbound SMS), so a delivery
-- retried by Genesys/EventBridge is applied zero more times. The row commits only after the
-- resulting message was acknowledged by Kafka.
CREATE TABLE dialer_webhook_events (
  event_id    text        PRIMARY KEY,
  kind        text        NOT NULL,          -- post_contact | inbound_sms
  received_at timestamptz NOT NULL
);

-- Numbers Blend wrote to a Genesys internal DNC list (every phone opt-out / DNC Blend learns
-- of), so each is written once.
CREATE TABLE dialer_dnc_pushes (
  dnc_list_id text        NOT NULL,
  address     text        NOT NULL,          -- E.164
  pushed_at   timestamptz NOT NULL,
  PRIMARY KEY (dnc_list_id, address)
);

-- Inbound SMS carry only a phone number: find the customers it belongs to.
CREATE INDEX journeys_by_customer_phone ON journeys ((customer->>'phone_e164'));
