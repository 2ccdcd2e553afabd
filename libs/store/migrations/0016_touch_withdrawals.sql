-- Withdrawing a voice touch's contact from the Genesys dialer (services/orchestrator,
-- "Withdrawals"). A voice touch whose contact may still be queued in a Genesys contact list
-- when its journey ends (payment, cancel, failure, timeout) or when the customer's voice
-- channel becomes blocked (opt-out, DNC) gets a blend.v1.WithdrawTouch on the voice topic,
-- written to the outbox in the same transaction.
--
--   genesys_contact_id     The id of the touch's contact in the Genesys contact list:
--                          blend::genesys::ContactIdForTouch(touch_id) (a UUIDv5 of the touch
--                          id, the id the dialer inserts with). Set for voice touches when the
--                          touch is emitted or claimed; NULL for other channels and for voice
--                          touches emitted before this migration until they are claimed (the
--                          orchestrator computes it from touch_id when it is missing).
--   withdraw_requested_at  When the orchestrator wrote the WithdrawTouch; NULL while none was
--                          requested. Set at most once: a redelivered payment or opt-out finds
--                          it set and writes nothing (one WithdrawTouch per touch).
--   withdraw_reason        Why, as sent in WithdrawTouch.reason ("journey finished: SUCCEEDED",
--                          "opted_out", "dnc_active"); '' while none was requested.
--
-- The dialer answers with a Disposition (TOUCH_OUTCOME_WITHDRAWN, or the real call outcome
-- when Genesys had already dialed); it completes the touch like any other outcome.
ALTER TABLE touches ADD COLUMN genesys_contact_id text;
ALTER TABLE touches ADD COLUMN withdraw_requested_at timestamptz;
ALTER TABLE touches ADD COLUMN withdraw_reason text NOT NULL DEFAULT '';

-- A customer's voice touches that may still sit in a dialer queue (the opt-out / DNC path
-- looks them up by customer).
CREATE INDEX touches_withdrawable_by_customer ON touches (customer_id)
  WHERE channel = 2 AND withdraw_requested_at IS NULL AND status IN ('claimed', 'sent', 'done');
