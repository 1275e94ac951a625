SELECT "profiles_profile"."id" AS "pk"
FROM "profiles_profile"
WHERE ("profiles_profile"."merged_into_id" IS NULL
       AND "profiles_profile"."id" IN
         (SELECT grouped."profile_id"
          FROM
            (SELECT U0."profile_id" AS "profile_id"
             FROM "ingestion_event" U0
             WHERE (U0."known_as" = 'Order Completed'
                    AND U0."timestamp" <= '2026-06-01 12:00:00+00:00'::timestamptz
                    AND U0."timestamp" >= '2026-05-02 12:00:00+00:00'::timestamptz
                    AND ((U0."properties" ->> 'category') = 'books')
                    AND U0."profile_id" IS NOT NULL)) AS grouped
          GROUP BY grouped."profile_id"
          HAVING COUNT(*) >= 3))
