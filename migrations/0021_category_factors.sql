-- 0021_category_factors: the climate and money factors of each category (0006's view
-- stats_category_factors: a category's own factor, else its nearest ancestor's, each of the two
-- on its own) read in one pass over the categories' lines of ancestors, grouped by category,
-- instead of two correlated subqueries per category that each scanned every line. Every
-- statistics summary and category report joins this view: for a ten-year network summary it was
-- most of the statement's time (2.4 of 3.3 ms on the bench data, 53 categories).
CREATE OR REPLACE VIEW stats_category_factors AS
WITH RECURSIVE line AS (
    SELECT id, parent_id, co2e_kg, sek, 0 AS depth FROM categories
    UNION ALL
    SELECT l.id, p.parent_id, p.co2e_kg, p.sek, l.depth + 1
      FROM line l JOIN categories p ON p.id = l.parent_id
     WHERE l.depth < 32
)
SELECT id AS category_id,
       coalesce((array_agg(co2e_kg ORDER BY depth) FILTER (WHERE co2e_kg IS NOT NULL))[1], 0)
           AS co2e_kg,
       coalesce((array_agg(sek ORDER BY depth) FILTER (WHERE sek IS NOT NULL))[1], 0) AS sek
  FROM line
 GROUP BY id;
