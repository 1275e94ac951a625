SELECT "profiles_profile"."id" AS "pk"
FROM "profiles_profile"
WHERE ("profiles_profile"."merged_into_id" IS NULL
       AND EXISTS
         (SELECT 1 AS "a"
          FROM "ingestion_event" U0
          WHERE (U0."profile_id" = ("profiles_profile"."id")
                 AND U0."known_as" = 'Page Viewed'
                 AND U0."timestamp" <= '2026-06-01 12:00:00+00:00'::timestamptz
                 AND U0."timestamp" >= '2026-01-01 00:00:00+00:00'::timestamptz
                 AND U0."timestamp" < '2026-02-01 00:00:00+00:00'::timestamptz)
          LIMIT 1))
