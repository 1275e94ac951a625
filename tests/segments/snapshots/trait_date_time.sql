SELECT "profiles_profile"."id" AS "pk"
FROM "profiles_profile"
WHERE ("profiles_profile"."merged_into_id" IS NULL
       AND ((left(("profiles_profile"."traits" ->> 'trial_ends_at'), 10) COLLATE "C" >= '2026-05-23'
             AND left(("profiles_profile"."traits" ->> 'trial_ends_at'), 10) COLLATE "C" <= '2026-06-03'
             AND NULLIF(LEAST(CASE
                                  WHEN ("profiles_profile"."traits" ->> 'trial_ends_at') ~ E'\\A[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([T ]([01][0-9]|2[0-3])(:[0-5][0-9]){2}(\\.[0-9]+)?(Z|[+-](0[0-9]|1[0-4]):[0-5][0-9])?)?\\Z' THEN CASE
                                                                                                                                                                                                                                                            WHEN to_char((substr(("profiles_profile"."traits" ->> 'trial_ends_at'), 1, 7) || '-01')::date + (substr(("profiles_profile"."traits" ->> 'trial_ends_at'), 9, 2)::int - 1), 'YYYY-MM-DD') = substr(("profiles_profile"."traits" ->> 'trial_ends_at'), 1, 10) THEN regexp_replace(("profiles_profile"."traits" ->> 'trial_ends_at'), '\.[0-9]+', '')::timestamptz
                                                                                                                                                                                                                                                        END
                              END, '10000-01-01 00:00:00+00'::timestamptz), '10000-01-01 00:00:00+00'::timestamptz) <@ tstzrange('2026-05-25 12:00:00+00:00'::timestamptz, '2026-06-01 12:00:00+00:00'::timestamptz, '[]'))))
