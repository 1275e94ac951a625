SELECT "profiles_profile"."id" AS "pk"
FROM "profiles_profile"
WHERE ("profiles_profile"."merged_into_id" IS NULL
       AND ((left(("profiles_profile"."traits" ->> 'trial_ends_at'), 10) COLLATE "C" >= '2026-05-23'
             AND left(("profiles_profile"."traits" ->> 'trial_ends_at'), 10) COLLATE "C" <= '2026-06-03'
             AND shoal_moment(("profiles_profile"."traits" ->> 'trial_ends_at')) BETWEEN '2026-05-25 12:00:00+00:00'::timestamptz AND '2026-06-01 12:00:00+00:00'::timestamptz)))
