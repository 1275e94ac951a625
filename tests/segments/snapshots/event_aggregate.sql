SELECT "profiles_profile"."id" AS "pk"
FROM "profiles_profile"
WHERE ("profiles_profile"."merged_into_id" IS NULL
       AND "profiles_profile"."id" IN
         (SELECT grouped."profile_id"
          FROM
            (SELECT *
             FROM
               (SELECT U0."profile_id" AS "profile_id",
                       (round(CASE jsonb_typeof((U0."properties" -> 'revenue'))
                                  WHEN 'number' THEN (U0."properties" ->> 'revenue')::numeric
                                  WHEN 'string' THEN CASE
                                                         WHEN (U0."properties" ->> 'revenue') ~ E'\\A-?[0-9]+(\\.[0-9]+)?\\Z' THEN (U0."properties" ->> 'revenue')::numeric
                                                     END
                              END, 4)) AS "v"
                FROM "ingestion_event" U0
                WHERE (U0."known_as" = 'Order Completed'
                       AND U0."timestamp" <= '2026-06-01 12:00:00+00:00'::timestamptz
                       AND U0."timestamp" >= '2026-03-03 12:00:00+00:00'::timestamptz
                       AND U0."profile_id" IS NOT NULL)) AS valued
             OFFSET 0) AS grouped
          GROUP BY grouped."profile_id"
          HAVING COALESCE(SUM(grouped."v"), 0) >= 100))
