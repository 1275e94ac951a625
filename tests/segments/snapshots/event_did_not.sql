SELECT "profiles_profile"."id" AS "pk"
FROM "profiles_profile"
WHERE ("profiles_profile"."merged_into_id" IS NULL
       AND NOT (EXISTS
                  (SELECT 1 AS "a"
                   FROM "ingestion_event" U0
                   WHERE (U0."profile_id" = ("profiles_profile"."id")
                          AND U0."known_as" = 'Order Completed'
                          AND U0."timestamp" <= '2026-06-01 12:00:00+00:00'::timestamptz
                          AND U0."timestamp" >= '2026-05-02 12:00:00+00:00'::timestamptz)
                   LIMIT 1)))
