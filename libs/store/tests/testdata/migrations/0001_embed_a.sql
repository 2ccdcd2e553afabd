-- quotes ' " backslash \ raw-string end )" and non-ASCII: é €
CREATE TABLE embed_a (id bigint PRIMARY KEY, note text DEFAULT 'it''s');
