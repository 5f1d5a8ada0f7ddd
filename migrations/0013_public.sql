-- 0013_public: what the public site needs to answer a borrower: a search that understands how
-- people ask ("skridskor 38", "skor stl 38", "cykel 20 tum", "barnskidor", "skridkor"), and the
-- network's "Så lånar du" text. (Where each branch is on the map, and its phone and e-mail, are
-- branches' columns from 0012_admin.)
--
-- The search reads the words of a search through a vocabulary, search_words, which is data:
-- admins extend it with plain INSERTs:
--
--     INSERT INTO search_words (word, categories) VALUES ('tefat', '{15}');
--     INSERT INTO search_words (word, likes) VALUES ('juniorstorlek', '{barn,junior}');
--
-- search_plan(q) turns a search text into what to look for (see it below); the public search
-- statement (src/store/public_store.c) asks it once per search and matches items against it.

-- A word of the vocabulary and what it means: one word in lower case, as Swedish writes it; it is
-- looked up folded (hylla_fold: "langdskidor" is "längdskidor"), so that two words must differ
-- in more than å ä ö. likes are folded parts of names (a-z, 0-9).
--   thing: what an item is: it names categories (each with its subtree) and/or parts an item's
--          name may hold (likes); a number beside it is a size of size_kind, or else of the kind
--          its categories share ("skridskor 38" is shoe size 38)
--   size:  says that a number beside it is a size, of size_kind (tum: wheel_in), or of the kind
--          the things of the search have when size_kind is null (stl, storlek); cm is length_cm
--          unless the thing is measured round the head
--   skip:  a word that says nothing about the item (och, till, vill, låna)
CREATE TABLE search_words (
    word       text PRIMARY KEY CHECK (word ~ '^[a-zåäöéü0-9]{1,40}$'),
    means      text NOT NULL DEFAULT 'thing' CHECK (means IN ('thing', 'size', 'skip')),
    categories integer[] NOT NULL DEFAULT '{}',
    likes      text[] NOT NULL DEFAULT '{}' CHECK (array_to_string(likes, ',', '') ~ '^[a-z0-9,]*$'),
    size_kind  text CHECK (size_kind IN ('length_cm', 'shoe_eu', 'clothing', 'head_cm', 'wheel_in',
                                         'other')),
    CHECK (means = 'thing' OR (categories = '{}' AND likes = '{}')),
    CHECK (means <> 'skip' OR size_kind IS NULL)
);

-- The word with each one letter left out, and the word itself: two words are one letter apart
-- (one typed too many, too few, wrong, or two swapped) when these sets meet. A GIN index on it
-- finds the vocabulary's words near a typed one without reading the whole vocabulary.
CREATE FUNCTION hylla_deletions(w text) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    RETURN w || ARRAY(SELECT overlay(w PLACING '' FROM i FOR 1) FROM generate_series(1, length(w)) i);

CREATE UNIQUE INDEX search_words_folded ON search_words (hylla_fold(word));
CREATE INDEX search_words_near ON search_words USING gin (hylla_deletions(hylla_fold(word)))
    WHERE length(word) >= 5;

-- What search_plan looks for on an item: one of the categories (subtrees included), or a name
-- or brand (folded, see hylla_fold) that one of the patterns (regular expressions) finds.
CREATE TYPE search_thing AS (categories integer[], patterns text[]);

-- How near a size must be to the one asked for: a shoe of 38 fits 37.5 and 38.5 too, skis of 150
-- are found at 145 to 155; helmets adjust by a centimetre; wheels are what they are.
CREATE FUNCTION search_size_tolerance(kind text) RETURNS numeric
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE kind WHEN 'shoe_eu' THEN 0.5 WHEN 'length_cm' THEN 5 WHEN 'head_cm' THEN 1
                     ELSE 0 END;

-- A search text read as a borrower means it. Every word that is not a number is
--   a word of the vocabulary (exactly, or one letter off when it is five letters or longer:
--   "skridkor" is "skridskor"), or
--   two words of the vocabulary written as one, Swedish style ("barnskidor": barn + skidor; a
--   linking s is allowed), or else
--   a plain word, which an item's name or brand must hold (its Swedish stem, anywhere: "fischer"
--   finds "Fischer", "skida" finds "Längdskidor"), or which names the item's category.
-- A word of the vocabulary finds the items of its categories (with their subtrees), and items
-- whose name has the word (its stem and a Swedish ending: "skridskor" finds "Skridsko Bauer",
-- but "skor" does not find "Hockeyskridskor" nor "cykel" a "Cykelhjälm") or one of its likes
-- anywhere ("Barnskidor" is barn).
-- A number (or a range, "150-160", "36 till 38") beside a thing is a size in the thing's size
-- kind (the word's own, or the one its categories share), with search_size_tolerance around a
-- single number; with a size word of its own (tum, cm) in that kind; alone it is a size of any
-- kind or the number of a code. Clothing sizes (xs ... xxl, or a number beside a clothing thing)
-- are text sizes. Words beyond the sixth thing are left out.
--
-- Answers one row: up to six things an item must each be (catN its categories, patN a regular
-- expression that its folded name and brand match, NULL when there is no Nth thing, and so with
-- no thing at all anything is found: so many columns, so that matching an item costs no more
-- than reading them, see search_is), the size asked for (its kind, from size_min to
-- size_max, the value to sort by nearness; or a text size), a lone number, and what was
-- understood, as JSON for the page: {"things": [words as understood], "size": {"kind", "value"
-- | "min", "max" | "text"}, "corrected": [[typed, meant], ...]}.
-- PL/pgSQL keeps the plans of its statements for the session, so that a search costs a few index
-- lookups in the vocabulary (search_words_folded, search_words_near) and nothing more.
CREATE FUNCTION search_plan(q text,
    OUT cat1 integer[], OUT pat1 text, OUT cat2 integer[], OUT pat2 text,
    OUT cat3 integer[], OUT pat3 text, OUT cat4 integer[], OUT pat4 text,
    OUT cat5 integer[], OUT pat5 text, OUT cat6 integer[], OUT pat6 text,
    OUT size_kind text, OUT size_min numeric, OUT size_max numeric, OUT size_value numeric,
    OUT size_text text, OUT lone numeric, OUT understood jsonb)
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    t text := ' ' || hylla_fold(coalesce(q, '')) || ' ';
    things search_thing[] := '{}';
    tok text;
    stem text;
    w search_words;
    parts search_words[];
    kind text;
    unit_kind text;
    thing_kind text;
    has_size_word boolean := false;
    clothing boolean := false;
    num numeric;
    lo numeric;
    hi numeric;
    letters text;
    meant text[] := '{}';
    corrected jsonb := '[]';
    numbers text[] := '{}';
BEGIN
    -- Ranges first, while their dash is still there; inches written "; numbers apart from units.
    t := regexp_replace(t, '(\d+(?:[.,]\d+)?)\s*(?:-|–|—|till|to)\s*(\d+(?:[.,]\d+)?)', ' \1~\2 ', 'g');
    t := regexp_replace(t, '(\d)\s*(?:"|”|″|'''')', '\1 tum ', 'g');
    t := regexp_replace(t, '(\d)([a-z])', '\1 \2', 'g');
    t := regexp_replace(t, '([a-z])(\d)', '\1 \2', 'g');
    FOR tok IN SELECT btrim(x, '.,') FROM regexp_split_to_table(t, '[^a-z0-9.,~]+') x LOOP
        CONTINUE WHEN tok = '';
        IF tok ~ '^\d+(?:[.,]\d+)?~\d+(?:[.,]\d+)?$' THEN
            IF lo IS NULL AND num IS NULL THEN
                lo := replace(split_part(tok, '~', 1), ',', '.')::numeric;
                hi := replace(split_part(tok, '~', 2), ',', '.')::numeric;
                IF lo > hi THEN
                    SELECT hi, lo INTO lo, hi;
                END IF;
            END IF;
            CONTINUE;
        END IF;
        IF tok ~ '^\d+(?:[.,]\d+)?$' THEN
            IF num IS NULL AND lo IS NULL THEN
                num := replace(tok, ',', '.')::numeric;
            ELSE
                numbers := numbers || tok; -- a second number: a part of the name
            END IF;
            CONTINUE;
        END IF;
        CONTINUE WHEN tok !~ '^[a-z0-9]+$';
        IF tok IN ('xxs', 'xs', 's', 'm', 'l', 'xl', 'xxl', 'xxxl') THEN
            letters := coalesce(letters, tok);
            CONTINUE;
        END IF;
        SELECT * INTO w FROM search_words sw WHERE hylla_fold(sw.word) = tok;
        IF w.word IS NULL AND length(tok) >= 5 THEN
            -- One letter off: the longest such word (more of its letters agree), then the first.
            -- (The typed word's deletions are made here: a call of hylla_deletions, an SQL
            -- function with a subquery, would be planned anew at every search.)
            SELECT * INTO w FROM search_words sw
             WHERE length(sw.word) >= 5
               AND hylla_deletions(hylla_fold(sw.word))
                   && (tok || ARRAY(SELECT overlay(tok PLACING '' FROM i FOR 1)
                                      FROM generate_series(1, length(tok)) i))
             ORDER BY length(sw.word) DESC, sw.word LIMIT 1;
            IF w.word IS NOT NULL THEN
                corrected := corrected || jsonb_build_array(jsonb_build_array(tok, w.word));
            END IF;
        END IF;
        parts := CASE WHEN w.word IS NOT NULL THEN ARRAY[w] END;
        -- Two words in one: the longest last part (the thing; the first says which).
        FOR k IN 3 .. length(tok) - 3 LOOP
            EXIT WHEN parts IS NOT NULL;
            SELECT * INTO w FROM search_words sw
             WHERE hylla_fold(sw.word) = substr(tok, k + 1) AND sw.means <> 'size';
            CONTINUE WHEN w.word IS NULL;
            parts := ARRAY(SELECT sw FROM search_words sw
                            WHERE hylla_fold(sw.word) IN (left(tok, k), CASE WHEN substr(tok, k, 1) = 's'
                                                                             THEN left(tok, k - 1) END)
                              AND sw.means <> 'size'
                            LIMIT 1) || w;
            parts := CASE WHEN cardinality(parts) = 2 THEN parts END;
        END LOOP;
        IF parts IS NULL THEN
            -- A plain word: in the name or brand, or naming the category.
            stem := coalesce((ts_lexize('swedish_stem', tok))[1], tok);
            things := things || ROW(ARRAY(
                          WITH RECURSIVE sub (id) AS (
                              SELECT c.id FROM categories c
                               WHERE strpos(hylla_fold(c.name_sv || ' ' || c.name_en), stem) > 0
                              UNION SELECT c.id FROM categories c JOIN sub ON c.parent_id = sub.id)
                          SELECT id FROM sub),
                      ARRAY[stem])::search_thing;
            meant := meant || tok;
            CONTINUE;
        END IF;
        FOREACH w IN ARRAY parts LOOP
            IF w.means = 'size' THEN
                has_size_word := true;
                unit_kind := coalesce(unit_kind, w.size_kind);
            ELSIF w.means = 'thing' THEN
                stem := coalesce((ts_lexize('swedish_stem', hylla_fold(w.word)))[1], hylla_fold(w.word));
                things := things || ROW(ARRAY(
                              WITH RECURSIVE sub (id) AS (
                                  SELECT unnest(w.categories)
                                  UNION SELECT c.id FROM categories c JOIN sub ON c.parent_id = sub.id)
                              SELECT id FROM sub),
                          ('(^| )' || stem || '[a-z]{0,4}( |$)') || w.likes)::search_thing;
                meant := meant || w.word;
                SELECT CASE WHEN count(DISTINCT c.size_kind) = 1 AND count(c.size_kind) = count(*)
                            THEN min(c.size_kind) END
                  INTO kind FROM categories c WHERE c.id = ANY (w.categories);
                kind := coalesce(w.size_kind, kind);
                thing_kind := coalesce(thing_kind, kind);
                clothing := clothing OR kind = 'clothing';
            END IF;
        END LOOP;
    END LOOP;

    -- What a number measures: its own unit's kind, else the things'; cm round a head is head_cm.
    size_kind := CASE WHEN unit_kind = 'length_cm' AND thing_kind = 'head_cm' THEN thing_kind
                      ELSE coalesce(unit_kind, thing_kind) END;
    IF letters IS NOT NULL AND (clothing OR has_size_word) THEN
        size_kind := 'clothing';
        size_text := letters;
    ELSIF size_kind = 'clothing' AND num IS NOT NULL THEN
        size_text := num::text;
    ELSIF size_kind IN ('length_cm', 'shoe_eu', 'head_cm', 'wheel_in') AND num IS NOT NULL THEN
        size_value := num;
        size_min := num - search_size_tolerance(size_kind);
        size_max := num + search_size_tolerance(size_kind);
    ELSIF size_kind IN ('length_cm', 'shoe_eu', 'head_cm', 'wheel_in') AND lo IS NOT NULL THEN
        size_min := lo;
        size_max := hi;
    ELSIF lo IS NOT NULL THEN
        size_kind := NULL; -- a range with nothing to say what it measures: sizes of any kind
        size_min := lo;
        size_max := hi;
    ELSE
        lone := num;
    END IF;
    IF size_min IS NULL AND size_text IS NULL THEN
        size_kind := NULL;
    END IF;
    FOREACH tok IN ARRAY numbers LOOP
        things := things || ROW('{}'::integer[], ARRAY[regexp_replace(tok, '[.,]', '[.,]')])::search_thing;
    END LOOP;
    SELECT things[1].categories, array_to_string(things[1].patterns, '|'),
           things[2].categories, array_to_string(things[2].patterns, '|'),
           things[3].categories, array_to_string(things[3].patterns, '|'),
           things[4].categories, array_to_string(things[4].patterns, '|'),
           things[5].categories, array_to_string(things[5].patterns, '|'),
           things[6].categories, array_to_string(things[6].patterns, '|')
      INTO cat1, pat1, cat2, pat2, cat3, pat3, cat4, pat4, cat5, pat5, cat6, pat6;

    understood := jsonb_strip_nulls(jsonb_build_object(
        'things', to_jsonb(meant[1:6]),
        'size', CASE WHEN size_text IS NOT NULL THEN jsonb_build_object('kind', size_kind, 'text', size_text)
                     WHEN size_value IS NOT NULL THEN jsonb_build_object('kind', size_kind, 'value', size_value)
                     WHEN size_min IS NOT NULL THEN jsonb_build_object('kind', size_kind, 'min', size_min,
                                                                       'max', size_max)
                END,
        'corrected', CASE WHEN corrected <> '[]' THEN corrected END));
END
$$;

-- Whether an item (its category, and its name and brand folded) is the thing of search_plan
-- whose categories and pattern these are (a NULL pattern: there is no such thing). One
-- expression, which PostgreSQL inlines into the search.
CREATE FUNCTION search_is(categories integer[], pattern text, category integer, folded text)
RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN pattern IS NULL OR category = ANY (categories) OR folded ~ pattern;

-- Whether an item of this size and code is what a lone number of search_plan asks for (a NULL
-- number: it asks nothing): a size of any kind near it, or the number of its code ("42" is
-- DEJ-00042). One expression, which PostgreSQL inlines into the search.
CREATE FUNCTION search_is_number(lone numeric, kind text, num numeric, size_text text, code text)
RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN lone IS NULL OR abs(num - lone) <= search_size_tolerance(kind)
       OR lower(size_text) = lone::text OR code ~ ('(^|[^0-9])0*' || lone::text || '$');

-- The vocabulary a network starts with: the default category tree (0002) as people name it, in
-- Swedish (folded: å ä ö are a a o) and some English, with the sizes people say.
INSERT INTO search_words (word, categories, size_kind)
SELECT w, g.categories::integer[], g.size_kind
  FROM (VALUES
    ('{111,112}', NULL, '{skidor,skida,skidorna,skidpar,ski,skis}'),
    ('{111}', NULL, '{längdskidor,längdskida,längdåkning,längdskidåkning}'),
    ('{112}', NULL, '{utförsskidor,utförsskida,slalomskidor,slalomskida,slalom,alpinskidor,alpint,carvingskidor,downhill}'),
    ('{113,114}', NULL, '{pjäxor,pjäxa,skidpjäxor,skidpjäxa,skidkängor,skidkänga,skidskor,skidsko}'),
    ('{113}', NULL, '{slalompjäxor,slalompjäxa,alpinpjäxor,alpinpjäxa,utförspjäxor,utförspjäxa}'),
    ('{114}', NULL, '{längdpjäxor,längdpjäxa,längdskor,längdsko,längdkängor}'),
    ('{115,27}', NULL, '{stavar,stav,poles}'),
    ('{115}', NULL, '{skidstavar,skidstav,längdstavar,slalomstavar}'),
    ('{12}', NULL, '{skridskor,skridsko,skridskorna,skates}'),
    ('{121}', NULL, '{hockeyskridskor,hockeyskridsko,hockeyrör,rör}'),
    ('{122}', NULL, '{konståkning,konståkningsskridskor,konståkningsskridsko,konståkare,konstskridskor}'),
    ('{123}', NULL, '{långfärdsskridskor,långfärdsskridsko,långfärd,långfärdsrör}'),
    ('{13}', NULL, '{snowboard,snowboards,snowboardbräda}'),
    ('{14,53}', NULL, '{hjälm,hjälmar,helmet,helmets}'),
    ('{14}', NULL, '{skidhjälm,skidhjälmar,slalomhjälm,alpinhjälm,vinterhjälm}'),
    ('{15}', NULL, '{pulka,pulkor,stjärtlapp,stjärtlappar,rumplapp,snowracer,kälke,kälkar,sled}'),
    ('{16}', NULL, '{snöskor,snösko,snowshoes}'),
    ('{17,121}', NULL, '{hockey}'),
    ('{17}', NULL, '{hockeyutrustning,hockeyklubba,hockeyklubbor,hockeybyxor,hockeyhandskar,hockeyskydd}'),
    ('{21}', NULL, '{tält,tältet,tent,tents}'),
    ('{22}', NULL, '{sovsäck,sovsäckar,sovpåse}'),
    ('{23}', NULL, '{liggunderlag,underlag,sovunderlag,sovmatta,luftmadrass}'),
    ('{24}', NULL, '{ryggsäck,ryggsäckar,vandringsryggsäck,backpack}'),
    ('{25}', NULL, '{stormkök,trangia,spritkök,gaskök,campingkök}'),
    ('{26}', NULL, '{vandringskängor,vandringskänga,kängor,känga,vandringsskor,vandringssko}'),
    ('{27}', NULL, '{vandringsstavar,vandringsstav,gåstavar,stavgång}'),
    ('{31}', NULL, '{flytväst,flytvästar,räddningsväst,räddningsvästar,flytoverall,lifejacket}'),
    ('{32}', NULL, '{kanot,kanoter,kajak,kajaker,kanadensare,canoe,kayak}'),
    ('{33}', NULL, '{paddel,paddlar,paddle}'),
    ('{34}', NULL, '{sup,supbräda,supbrädor,paddelbräda,paddleboard}'),
    ('{35}', NULL, '{våtdräkt,våtdräkter,wetsuit}'),
    ('{36}', NULL, '{fiske,fiskespö,spö,metspö,fiskeutrustning}'),
    ('{41}', NULL, '{boll,bollar,fotboll,fotbollar,basketboll,volleyboll,handboll,ball,balls}'),
    ('{42}', NULL, '{fotbollsskor,fotbollssko,dobbskor,dobbsko,dobbar}'),
    ('{43}', NULL, '{innebandy,innebandyklubba,innebandyklubbor,klubba,klubbor}'),
    ('{44}', NULL, '{racket,racketar,tennisracket,badmintonracket,badminton,tennis,pingis,bordtennis}'),
    ('{45}', NULL, '{benskydd,skydd,knäskydd,armbågsskydd,handledsskydd}'),
    ('{51,52}', NULL, '{cykel,cyklar,cykla,bike,bikes,bicycle}'),
    ('{52}', NULL, '{barncykel,barncyklar}'),
    ('{53}', NULL, '{cykelhjälm,cykelhjälmar}'),
    ('{54}', NULL, '{cykelvagn,cykelvagnar,cykelkärra}'),
    ('{61}', NULL, '{sparkcykel,sparkcyklar,kickbike,sparkis,scooter}'),
    ('{62}', NULL, '{balanscykel,balanscyklar,springcykel}'),
    ('{63}', NULL, '{bärstol,bärstolar,bärsele,babybärare}'),
    ('{64}', NULL, '{lek,spel,leksak,leksaker,sällskapsspel}'),
    ('{71}', NULL, '{inlines,inline,inlineskridskor,inlinesskridskor,rullskridskor,rullskridsko,rullskates,rollerblades}'),
    ('{72}', NULL, '{skateboard,skateboards,longboard,longboards,skejtboard,skejt,skate}'),
    ('{73}', NULL, '{vikter,vikt,hantel,hantlar,kettlebell,träning,träningsredskap}'),
    ('{74}', NULL, '{rullskidor,rullskida}'),
    ('{42,26,113,114}', 'shoe_eu', '{skor,sko,skorna,shoes}')
  ) g (categories, size_kind, words),
       unnest(g.words::text[]) w;

-- Children's things: in the children's categories, or called so in their names.
INSERT INTO search_words (word, categories, likes)
SELECT w, '{6}', '{barn,junior,jr}' FROM unnest('{barn,barnen,barnstorlek,junior,jr,kids,children}'::text[]) w;

INSERT INTO search_words (word, means, size_kind)
SELECT w, 'size', g.size_kind
  FROM (VALUES
    (NULL, '{stl,storlek,storl,strl,str,size,eu,nr}'),
    ('length_cm', '{cm,centimeter,längd}'),
    ('head_cm', '{huvudomfång,omkrets}'),
    ('wheel_in', '{tum,tums,inch,inches}')
  ) g (size_kind, words),
       unnest(g.words::text[]) w;

INSERT INTO search_words (word, means)
SELECT w, 'skip'
  FROM unnest('{och,i,på,för,med,en,ett,par,att,som,jag,vill,låna,söker,har,ni,finns,någon,några,
               något,av,till,eller,vuxen,vuxna,vuxenstorlek,dam,herr,unisex,begagnad,begagnade,ny,nya,
               ledig,lediga,inne,the,a,an,with,of,and,to}'::text[]) w;

-- Texts of the public site that admins write, in Swedish and English: "Så lånar du" (the
-- network's rules in plain words; each branch adds its own notice). Plain text: paragraphs
-- apart by an empty line, lines that start with "- " a list.
CREATE TABLE site_texts (
    key        text PRIMARY KEY CHECK (key IN ('how-to-borrow')),
    text_sv    text NOT NULL CHECK (length(text_sv) BETWEEN 1 AND 8000),
    text_en    text NOT NULL CHECK (length(text_en) BETWEEN 1 AND 8000),
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by integer REFERENCES staff (id)
);

INSERT INTO site_texts (key, text_sv, text_en) VALUES ('how-to-borrow',
'Här lånar du prylar för sport och friluftsliv gratis, precis som böcker på biblioteket.

- Det är gratis. Du betalar ingenting, och det finns inga förseningsavgifter.
- Du lånar i 14 dagar. Behöver du prylen längre kan du fråga om att förlänga lånet.
- Du behöver bara ditt namn och ditt mobilnummer.
- Barn lånar tillsammans med en vuxen, som står för lånet.
- Lämna tillbaka prylen hel och ren: torka av den, skaka ur sand och snö och låt den torka.
- Har något gått sönder? Berätta det när du lämnar tillbaka, så lagar vi det. Det kostar ingenting.

Titta gärna här på sidan vad som finns inne innan du kommer. Vi kan inte reservera prylar.',
'Here you borrow sport and outdoor gear for free, just like books at the library.

- It is free. You pay nothing, and there are no late fees.
- You borrow for 14 days. If you need something longer, ask to renew the loan.
- All we need is your name and your mobile number.
- Children borrow together with an adult, who is responsible for the loan.
- Bring things back whole and clean: wipe them, shake out sand and snow, and let them dry.
- Has something broken? Tell us when you bring it back and we will fix it. It costs nothing.

Check on this site what is in before you come. We cannot reserve things.');
