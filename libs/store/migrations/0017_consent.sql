-- One consent record per customer (libs/consent, ConsentService). The table `suppressions`
-- (0002) becomes the consent record every path writes through (SMS STOP, email unsubscribe,
-- Genesys wrap-up codes, the Genesys DNC mirror, a CRM through ConsentService) and every
-- decision reads (emit, claim, the dial-time check).
--
--   suppression_id  Server-assigned id (a UUID; existing rows get one here, as does a row
--                   inserted without one).
--   customer_id     The customer it is about ('' for an address-only record, e.g. a DNC number).
--   address         E.164 phone or lower-case email ('' for a customer-id-only record, e.g. a
--                   CRM legal hold). At least one of the two is set.
--   channel         1 sms, 2 voice, 3 email, 4 all (blend.v1.SuppressionChannel).
--   kind            The reason: opt_out | dnc | legal_hold | bankruptcy | deceased | crm.
--   source          Which system or event recorded it ("sms-keyword:<message id>", "crm:<who>").
--   recorded_at     When it was first recorded (was received_at).
--   expires_at      NULL: never expires. An expired record no longer blocks anything.
--   note            Free text for people.
--   removed_at/_by/_reason  A removal (RemoveSuppression, the DNC mirror dropping a number) is
--                   recorded, never deleted: the row stays as the audit trail and stops
--                   blocking.
--
-- Idempotency: one record in force per (customer_id, address, channel, kind); putting it again
-- updates source, note and expiry and keeps its id and first recorded_at.
ALTER TABLE suppressions DROP CONSTRAINT suppressions_pkey;
ALTER TABLE suppressions RENAME COLUMN received_at TO recorded_at;
ALTER TABLE suppressions ALTER COLUMN address SET DEFAULT '';
ALTER TABLE suppressions ADD COLUMN suppression_id text;
UPDATE suppressions SET suppression_id = gen_random_uuid()::text;
ALTER TABLE suppressions ALTER COLUMN suppression_id SET NOT NULL;
ALTER TABLE suppressions ALTER COLUMN suppression_id SET DEFAULT gen_random_uuid()::text;
ALTER TABLE suppressions ADD PRIMARY KEY (suppression_id);
ALTER TABLE suppressions ADD COLUMN expires_at timestamptz;
ALTER TABLE suppressions ADD COLUMN note text NOT NULL DEFAULT '';
ALTER TABLE suppressions ADD COLUMN removed_at timestamptz;
ALTER TABLE suppressions ADD COLUMN removed_by text NOT NULL DEFAULT '';
ALTER TABLE suppressions ADD COLUMN removed_reason text NOT NULL DEFAULT '';
ALTER TABLE suppressions ADD CONSTRAINT suppressions_subject
  CHECK (customer_id <> '' OR address <> '');
ALTER TABLE suppressions ADD CONSTRAINT suppressions_channel CHECK (channel BETWEEN 1 AND 4);
ALTER TABLE suppressions ADD CONSTRAINT suppressions_kind
  CHECK (kind IN ('opt_out', 'dnc', 'legal_hold', 'bankruptcy', 'deceased', 'crm'));

CREATE UNIQUE INDEX suppressions_in_force
  ON suppressions (customer_id, address, channel, kind) WHERE removed_at IS NULL;
CREATE INDEX suppressions_by_address ON suppressions (address)
  WHERE removed_at IS NULL AND address <> '';
DROP INDEX suppressions_by_customer;
CREATE INDEX suppressions_by_customer ON suppressions (customer_id)
  WHERE removed_at IS NULL AND customer_id <> '';
-- ListSuppressions: newest first, keyset-paged.
CREATE INDEX suppressions_by_recorded ON suppressions (recorded_at DESC, suppression_id DESC);
