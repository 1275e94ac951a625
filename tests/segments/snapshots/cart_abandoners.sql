SELECT "profiles_profile"."id" AS "pk"
FROM "profiles_profile"
WHERE ("profiles_profile"."merged_into_id" IS NULL
       AND "profiles_profile"."id" IN
         (SELECT grouped."profile_id"
          FROM
            (SELECT U0."profile_id" AS "profile_id"
             FROM "ingestion_event" U0
             WHERE (U0."known_as" = 'Checkout Started'
                    AND U0."timestamp" <= '2026-06-01 12:00:00+00:00'::timestamptz
                    AND U0."timestamp" >= '2026-05-02 12:00:00+00:00'::timestamptz
                    AND U0."profile_id" IS NOT NULL)) AS grouped
          GROUP BY grouped."profile_id"
          HAVING COUNT(*) >= 2)
       AND NOT (EXISTS
                  (SELECT 1 AS "a"
                   FROM "ingestion_event" U0
                   WHERE (U0."profile_id" = ("profiles_profile"."id")
                          AND U0."known_as" = 'Order Completed'
                          AND U0."timestamp" <= '2026-06-01 12:00:00+00:00'::timestamptz
                          AND U0."timestamp" >= '2026-05-02 12:00:00+00:00'::timestamptz)
                   LIMIT 1))
       AND (NOT COALESCE(((("profiles_profile"."traits" ->> 'plan') = 'premium')), FALSE)
            OR "profiles_profile"."id" IN
              (SELECT U0."id" AS "pk"
               FROM "profiles_profile" U0
               WHERE (U0."traits" -> 'segment') = '4'::jsonb)))
