SELECT "profiles_profile"."id" AS "pk"
FROM "profiles_profile"
WHERE ("profiles_profile"."merged_into_id" IS NULL
       AND (("profiles_profile"."traits" ->> 'plan') = 'pro'))
