SELECT "profiles_profile"."id" AS "pk"
FROM "profiles_profile"
WHERE ("profiles_profile"."merged_into_id" IS NULL
       AND (CASE jsonb_typeof(("profiles_profile"."traits" -> 'age'))
                WHEN 'number' THEN ("profiles_profile"."traits" ->> 'age')::numeric
                WHEN 'string' THEN CASE
                                       WHEN ("profiles_profile"."traits" ->> 'age') ~ E'\\A-?[0-9]+(\\.[0-9]+)?\\Z' THEN ("profiles_profile"."traits" ->> 'age')::numeric
                                   END
            END BETWEEN 18 AND 30.5))
