SELECT "profiles_profile"."id" AS "pk"
FROM "profiles_profile"
WHERE ("profiles_profile"."merged_into_id" IS NULL
       AND EXISTS
         (SELECT 1 AS "a"
          FROM "ingestion_event" U0
          WHERE (U0."profile_id" = ("profiles_profile"."id")
                 AND U0."known_as" = 'Order Completed'
                 AND U0."timestamp" <= '2026-06-01 12:00:00+00:00'::timestamptz
                 AND (round(CASE jsonb_typeof((U0."properties" -> 'revenue'))
                                WHEN 'number' THEN (U0."properties" ->> 'revenue')::numeric
                                WHEN 'string' THEN CASE
                                                       WHEN (U0."properties" ->> 'revenue') ~ E'\\A-?[0-9]+(\\.[0-9]+)?\\Z' THEN (U0."properties" ->> 'revenue')::numeric
                                                   END
                            END, 4) > 150))
          LIMIT 1))
