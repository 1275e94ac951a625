SELECT "profiles_profile"."id" AS "pk"
FROM "profiles_profile"
WHERE ("profiles_profile"."merged_into_id" IS NULL
       AND NOT COALESCE((((jsonb_typeof(("profiles_profile"."traits" -> 'email')) = 'string'
                           AND lower(("profiles_profile"."traits" ->> 'email') COLLATE "C") LIKE E'%50\\%\\_off%' ESCAPE '\'))), FALSE))
