-- Blend's schema starts here. Migrations are applied in order by blend::store::Migrate at
-- service start; never edit a file once it has been applied anywhere: add a new numbered
-- file instead (Migrate refuses to start on a changed checksum).

-- One row per installation: which Blend schema this database holds and since when.
CREATE TABLE blend_meta (
  key        text        PRIMARY KEY,
  value      text        NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO blend_meta (key, value) VALUES ('schema', 'blend');
