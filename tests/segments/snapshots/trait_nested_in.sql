SELECT "profiles_profile"."id" AS "pk"
FROM "profiles_profile"
WHERE ("profiles_profile"."merged_into_id" IS NULL
       AND ((("profiles_profile"."traits" -> 'group' ->> 'plan') IN ('pro',
                                                                     'premium'))
            OR (CASE jsonb_typeof(("profiles_profile"."traits" -> 'group' -> 'plan'))
                    WHEN 'number' THEN ("profiles_profile"."traits" -> 'group' ->> 'plan')::numeric
                    WHEN 'string' THEN CASE
                                           WHEN ("profiles_profile"."traits" -> 'group' ->> 'plan') ~ E'\\A-?[0-9]+(\\.[0-9]+)?\\Z' THEN ("profiles_profile"."traits" -> 'group' ->> 'plan')::numeric
                                       END
                END = 3)
            OR (("profiles_profile"."traits" -> 'group' -> 'plan') = 'true'::jsonb)))
