-- The campaign pause switch (services/orchestrator, "Pausing a campaign"). One row per campaign
-- that was ever paused: whether it is paused now, and the last change (who, why, when). Every
-- orchestrator replica reads it in the transaction that emits or grants a touch, so a pause is
-- seen by all of them at once, and survives restarts.
CREATE TABLE campaign_pauses (
  campaign_id text        PRIMARY KEY,
  paused      boolean     NOT NULL,
  changed_by  text        NOT NULL,   -- the caller's token name, and on whose behalf
  reason      text        NOT NULL,
  changed_at  timestamptz NOT NULL
);

-- Every pause and resume that changed something, oldest first: the audit trail.
CREATE TABLE campaign_pause_log (
  id          bigserial   PRIMARY KEY,
  campaign_id text        NOT NULL,
  action      text        NOT NULL CHECK (action IN ('pause', 'resume')),
  changed_by  text        NOT NULL,
  reason      text        NOT NULL,
  at          timestamptz NOT NULL
);
CREATE INDEX campaign_pause_log_by_campaign ON campaign_pause_log (campaign_id, id);

-- Touches held back by a pause (status 'deferred', reason 'campaign paused'): a resume finds
-- them here and emits them again.
CREATE INDEX touches_held_by_pause ON touches (journey_id)
  WHERE status = 'deferred' AND reason = 'campaign paused';
