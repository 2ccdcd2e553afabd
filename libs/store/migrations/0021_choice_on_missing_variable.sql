-- A Choice rule on a variable that does not exist now fails with States.Runtime, as on AWS
-- (libs/journey, policy `choiceOnMissingVariable`, default "fail"). Campaign versions stored
-- before that were written for the old behaviour (the rule is false, the Choice goes on to its
-- Default), and their running journeys must not change path on upgrade: they keep it, unless
-- a version already chose.
UPDATE campaigns
   SET policies_json = (COALESCE(NULLIF(btrim(policies_json), ''), '{}')::jsonb
                        || '{"choiceOnMissingVariable": "default"}'::jsonb)::text
 WHERE NOT COALESCE(NULLIF(btrim(policies_json), ''), '{}')::jsonb ? 'choiceOnMissingVariable';
