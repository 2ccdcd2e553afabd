-- Engagement profiles (libs/engagement): one JSON document per customer, updated by the
-- orchestrator in the transaction that applies a disposition, a customer event or an import
-- batch (their message ids / row keys in processed_messages make each count once).
CREATE TABLE engagement_profiles (
  customer_id text        PRIMARY KEY,
  profile     jsonb       NOT NULL,
  updated_at  timestamptz NOT NULL
);
