-- 0004_catalogue: what the catalogue adds to the items of 0001: the history of every status
-- change, photos that every hylla process can serve, and the indexes behind search.
--
-- Search understands Swedish two ways at once: full-text search with the 'swedish' stemmer
-- (skidor finds skida) and trigram substrings of a case- and accent-folded text (skridsko finds
-- Skridskor, whose stem is skridsk; längd and langd find Längdskidor). pg_trgm is a trusted
-- extension, so the owner of the database may create it.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Lower case with å ä ö (and the accents Swedish names meet) folded to plain letters, so that a
-- search typed on a phone without Swedish letters still finds. Written out instead of relying on
-- lower() alone, which leaves non-ASCII letters alone under the C locale.
CREATE FUNCTION hylla_fold(t text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    RETURN translate(lower(t), 'ÅÄÖÆØÉÈÜåäöæøéèü', 'aaoaoeeuaaoaoeeu');

-- The LIKE patterns of a search text: one '%word%' per word, folded and escaped, longest word
-- first (the most selective, which the trigram index looks up; the others filter).
CREATE FUNCTION hylla_like_words(q text) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    RETURN ARRAY(SELECT '%' || replace(replace(replace(w, '\', '\\'), '%', '\%'), '_', '\_') || '%'
                   FROM regexp_split_to_table(hylla_fold(btrim(q)), '\s+') AS w
                  WHERE w <> ''
                  ORDER BY length(w) DESC, w);

-- The two search indexes. Queries must repeat these expressions exactly to use them.
CREATE INDEX items_fts ON items
    USING gin (to_tsvector('swedish'::regconfig, name || ' ' || coalesce(brand, '')));
CREATE INDEX items_trgm ON items
    USING gin (hylla_fold(name || ' ' || coalesce(brand, '')) gin_trgm_ops);
-- "Cross-country skis around 160 cm": size searches within a kind.
CREATE INDEX items_size ON items (size_kind, size_num) WHERE size_num IS NOT NULL;

-- Every status an item has had, with who set it and when. Filled by the trigger below, which
-- takes the staff member from the transaction setting hylla.staff_id; every write of hylla sets
-- it first (SELECT set_config('hylla.staff_id', $1, true)), so checkouts and returns are
-- recorded as well as intake, repair and retirement. NULL staff: the command line or a script.
CREATE TABLE item_status_history (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_id     bigint NOT NULL REFERENCES items (id),
    from_status text,                                 -- NULL: the item was created
    to_status   text NOT NULL,
    reason      text,                                 -- the retired_reason, when retired
    staff_id    integer REFERENCES staff (id),
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX item_status_history_item ON item_status_history (item_id, at);

CREATE FUNCTION items_record_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.status IS NOT DISTINCT FROM NEW.status THEN
        RETURN NULL;
    END IF;
    INSERT INTO item_status_history (item_id, from_status, to_status, reason, staff_id)
    VALUES (NEW.id, CASE WHEN TG_OP = 'UPDATE' THEN OLD.status END, NEW.status,
            CASE WHEN NEW.status = 'retired' THEN NEW.retired_reason END,
            nullif(current_setting('hylla.staff_id', true), '')::integer);
    RETURN NULL;
END
$$;
CREATE TRIGGER items_status_history AFTER INSERT OR UPDATE OF status ON items
    FOR EACH ROW EXECUTE FUNCTION items_record_status();

-- One photo per item, in the database so that every hylla process serves the same one.
-- etag is the start of the SHA-256 of the bytes: it names this version of the photo.
CREATE TABLE item_photos (
    item_id      bigint PRIMARY KEY REFERENCES items (id),
    content_type text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
    etag         text NOT NULL CHECK (etag ~ '^[0-9a-f]{32}$'),
    data         bytea NOT NULL CHECK (length(data) BETWEEN 1 AND 5242880),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
