-- 0002_categories: the default category tree of a Fritidsbanken-like library, in Swedish and
-- English, with the size kind items of each category usually have. Ids below 1000 are reserved
-- for this tree; categories that admins add get ids from 1000 up.
--
-- Impact factors are filled only where a published figure exists:
--   the 2020 evaluation of Fritidsbanken by RISE (Research Institutes of Sweden) gives 29 kg CO2e
--   avoided per loan of an adult pair of downhill skis.
-- Admins can set factors for the other categories from their own sources.

INSERT INTO categories (id, parent_id, name_sv, name_en, size_kind, sort) VALUES
    (1, NULL, 'Vinter', 'Winter', NULL, 10),
    (2, NULL, 'Friluftsliv', 'Outdoor', NULL, 20),
    (3, NULL, 'Vatten', 'Water', NULL, 30),
    (4, NULL, 'Bollsport', 'Ball sports', NULL, 40),
    (5, NULL, 'Cykel', 'Bikes', NULL, 50),
    (6, NULL, 'Barn', 'Children', NULL, 60),
    (7, NULL, 'Träning och rullsport', 'Fitness and wheels', NULL, 70),
    (8, NULL, 'Övrigt', 'Other', 'other', 90),

    (11, 1, 'Skidor', 'Skis', 'length_cm', 10),
    (111, 11, 'Längdskidor', 'Cross-country skis', 'length_cm', 10),
    (112, 11, 'Utförsskidor', 'Downhill skis', 'length_cm', 20),
    (113, 11, 'Skidpjäxor', 'Ski boots', 'shoe_eu', 30),
    (114, 11, 'Längdpjäxor', 'Cross-country boots', 'shoe_eu', 40),
    (115, 11, 'Skidstavar', 'Ski poles', 'length_cm', 50),
    (12, 1, 'Skridskor', 'Skates', 'shoe_eu', 20),
    (121, 12, 'Hockeyskridskor', 'Hockey skates', 'shoe_eu', 10),
    (122, 12, 'Konståkningsskridskor', 'Figure skates', 'shoe_eu', 20),
    (123, 12, 'Långfärdsskridskor', 'Nordic skates', 'shoe_eu', 30),
    (13, 1, 'Snowboard', 'Snowboards', 'length_cm', 30),
    (14, 1, 'Hjälmar', 'Helmets', 'head_cm', 40),
    (15, 1, 'Pulkor och stjärtlappar', 'Sleds and bum sliders', 'other', 50),
    (16, 1, 'Snöskor', 'Snowshoes', 'shoe_eu', 60),
    (17, 1, 'Hockeyutrustning', 'Hockey gear', 'clothing', 70),

    (21, 2, 'Tält', 'Tents', 'other', 10),
    (22, 2, 'Sovsäckar', 'Sleeping bags', 'length_cm', 20),
    (23, 2, 'Liggunderlag', 'Sleeping mats', 'length_cm', 30),
    (24, 2, 'Ryggsäckar', 'Backpacks', 'other', 40),
    (25, 2, 'Stormkök', 'Camping stoves', NULL, 50),
    (26, 2, 'Vandringskängor', 'Hiking boots', 'shoe_eu', 60),
    (27, 2, 'Vandringsstavar', 'Trekking poles', 'length_cm', 70),

    (31, 3, 'Flytvästar', 'Life jackets', 'clothing', 10),
    (32, 3, 'Kanoter och kajaker', 'Canoes and kayaks', 'length_cm', 20),
    (33, 3, 'Paddlar', 'Paddles', 'length_cm', 30),
    (34, 3, 'SUP-brädor', 'SUP boards', 'length_cm', 40),
    (35, 3, 'Våtdräkter', 'Wetsuits', 'clothing', 50),
    (36, 3, 'Fiskeutrustning', 'Fishing gear', NULL, 60),

    (41, 4, 'Bollar', 'Balls', 'other', 10),
    (42, 4, 'Fotbollsskor', 'Football boots', 'shoe_eu', 20),
    (43, 4, 'Innebandyklubbor', 'Floorball sticks', 'length_cm', 30),
    (44, 4, 'Racketar', 'Rackets', NULL, 40),
    (45, 4, 'Benskydd och skydd', 'Shin guards and pads', 'clothing', 50),

    (51, 5, 'Cyklar', 'Bicycles', 'wheel_in', 10),
    (52, 5, 'Barncyklar', 'Children''s bikes', 'wheel_in', 20),
    (53, 5, 'Cykelhjälmar', 'Bike helmets', 'head_cm', 30),
    (54, 5, 'Cykelvagnar', 'Bike trailers', NULL, 40),

    (61, 6, 'Sparkcyklar', 'Kick scooters', NULL, 10),
    (62, 6, 'Balanscyklar', 'Balance bikes', 'wheel_in', 20),
    (63, 6, 'Bärstolar', 'Child carriers', NULL, 30),
    (64, 6, 'Lek och spel', 'Games and play', NULL, 40),

    (71, 7, 'Inlines och rullskridskor', 'Inline and roller skates', 'shoe_eu', 10),
    (72, 7, 'Skateboards och longboards', 'Skateboards and longboards', NULL, 20),
    (73, 7, 'Vikter och träningsredskap', 'Weights and training gear', NULL, 30),
    (74, 7, 'Rullskidor', 'Roller skis', 'length_cm', 40);

UPDATE categories
   SET co2e_kg = 29,
       factor_source = 'RISE 2020 evaluation of Fritidsbanken: adult pair of downhill skis'
 WHERE id = 112;

SELECT setval(pg_get_serial_sequence('categories', 'id'), 1000, false);
