-- Reads of the operator's view of a campaign (CampaignService, ListJourneys filters).
-- Journeys of a campaign (and version), in the keyset order of ListJourneys.
CREATE INDEX journeys_by_campaign ON journeys (campaign_id, campaign_version, started_at, journey_id);
-- "Journeys that ever entered this state": one entry per state entered, read index-only by
-- GetCampaignStats without touching the rest of the history.
CREATE INDEX journey_history_state_entries ON journey_history (journey_id, state_name)
  WHERE kind = 'StateEntered';
