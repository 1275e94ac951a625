SELECT "profiles_profile"."id" AS "pk"
FROM "profiles_profile"
WHERE ("profiles_profile"."merged_into_id" IS NULL
       AND "profiles_profile"."orders_count" > 0
       AND ("profiles_profile"."revenue_total" >= 50 * "profiles_profile"."orders_count"))
