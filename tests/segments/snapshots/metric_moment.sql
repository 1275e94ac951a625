SELECT "profiles_profile"."id" AS "pk"
FROM "profiles_profile"
WHERE ("profiles_profile"."merged_into_id" IS NULL
       AND "profiles_profile"."last_seen" < '2026-06-01 00:00:00+00:00'::timestamptz)
