SELECT "profiles_profile"."id" AS "pk"
FROM "profiles_profile"
WHERE ("profiles_profile"."merged_into_id" IS NULL
       AND "profiles_profile"."last_order_at" <= '2025-12-02 12:00:00+00:00'::timestamptz)
