-- Dedupe tables are pruned on a schedule (blend/store/dedupe_pruner.h): rows older than the
-- retention go, oldest first, in small batches. These indexes find them without a scan.
CREATE INDEX processed_messages_by_time ON processed_messages (processed_at);
CREATE INDEX dialer_webhook_events_by_time ON dialer_webhook_events (received_at);
