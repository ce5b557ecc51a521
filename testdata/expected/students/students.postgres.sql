-- dupsweep 0.1.0: delete duplicate rows from table students
-- input: students.csv (sha256 f315a79c93487d9914c3f8c1fefb20e4ed8b8d235291c631e629e2e54da47cd1)
-- options: --pk id --ignore updated_at --keep max:updated_at --guard all --batch-size 1000
-- rows in the dump: 136; duplicate groups: 12; rows to delete: 14; batches: 1
-- Every batch deletes only rows that still hold their dumped values, and checks
-- that it deleted exactly the expected rows (or none, when the script was already
-- applied); any difference stops the script and rolls the whole transaction back.
-- run: psql -X -v ON_ERROR_STOP=1 -f THIS_FILE (the script also sets ON_ERROR_STOP)
\set ON_ERROR_STOP on
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
BEGIN;
LOCK TABLE "students" IN SHARE ROW EXCLUSIVE MODE;
DO $dupsweep$
DECLARE
  n bigint;
  ok boolean;
BEGIN
  SELECT count(*) INTO n FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
    WHERE c.contype = 'f' AND c.confrelid = to_regclass('"students"') AND c.confdeltype IN ('c', 'n', 'd');
  IF n <> 0 THEN
    RAISE EXCEPTION 'dupsweep: % foreign keys reference this table with ON DELETE CASCADE, SET NULL or SET DEFAULT from a table or column that dupsweep does not re-point: deleting its duplicates would change those rows; describe them in a dupsweep.toml (foreign-keys) and use dupsweep run; nothing was changed', n;
  END IF;
END
$dupsweep$;
DO $dupsweep1$
DECLARE
  n bigint;
  ok boolean;
BEGIN
  -- batch 1 of 1: 14 rows
  SELECT count(*) INTO n FROM "students" WHERE
    ("id" = '2' AND "first_name" = 'Elif' AND "last_name" = 'Haddad' AND "email" = 'elif.haddad2@school.example' AND "birth_date" = '2014-01-28' AND "grade" = '10' AND "balance" = '461.05' AND "active" = '1' AND "notes" = '' AND "updated_at" = '2026-01-19 09:21:00')
    OR ("id" = '3' AND "first_name" = 'Léa' AND "last_name" = 'Dupont' AND "email" = 'léa.dupont3@school.example' AND "birth_date" = '2009-05-14' AND "grade" = '11' AND "balance" = '167.50' AND "active" = '0' AND "notes" = 'tab	here' AND "updated_at" = '2026-06-18 09:30:00')
    OR ("id" = '61' AND "first_name" = 'Amina' AND "last_name" = 'Jensen' AND "email" = 'amina.jensen56@school.example' AND "birth_date" = '2014-03-01' AND "grade" = '10' AND "balance" = '118.00' AND "active" = '0' AND "notes" = '' AND "updated_at" = '2026-10-19 12:00:00')
    OR ("id" = '88' AND "first_name" = 'Liam' AND "last_name" = 'Haddad' AND "email" = 'liam.haddad81@school.example' AND "birth_date" = '2011-03-21' AND "grade" = '10' AND "balance" = '372.05' AND "active" = '1' AND "notes" = '/* not a comment */ -- nor this' AND "updated_at" = '2026-10-11 12:00:00')
    OR ("id" = '55' AND "first_name" = 'Liam' AND "last_name" = 'Okafor' AND "email" = 'liam.okafor53@school.example' AND "birth_date" = '2011-11-05' AND "grade" = '1' AND "balance" = '286.50' AND "active" = '0' AND "notes" = '' AND "updated_at" = '2026-04-18 05:18:00')
    OR ("id" = '56' AND "first_name" = 'zoe' AND "last_name" = 'García' AND "email" = 'zoe.garcía54@school.example' AND "birth_date" = '2013-05-24' AND "grade" = '7' AND "balance" = '211.05' AND "active" = '0' AND "notes" = '$dupsweep$ dollar $$ quoting' AND "updated_at" = '2026-02-16 02:38:00')
    OR ("id" = '104' AND "first_name" = 'Yusuf' AND "last_name" = 'Smith' AND "email" = 'yusuf.smith97@school.example' AND "birth_date" = '2012-04-03' AND "grade" = '6' AND "balance" = '356.50' AND "active" = '0' AND "notes" = '' AND "updated_at" = '2026-05-15 00:13:00')
    OR ("id" = '119' AND "first_name" = 'Omar' AND "last_name" = 'Haddad' AND "email" = 'omar.haddad105@school.example' AND "birth_date" = '2010-08-06' AND "grade" = '10' AND "balance" = '218.99' AND "active" = '0' AND "notes" = '/* not a comment */ -- nor this' AND "updated_at" = '2026-10-15 12:00:00')
    OR ("id" = '60' AND "first_name" = 'Priya' AND "last_name" = 'Haddad' AND "email" = 'priya.haddad58@school.example' AND "birth_date" = '2013-06-13' AND "grade" = '12' AND "balance" = '142.05' AND "active" = '0' AND "notes" = '' AND "updated_at" = '2026-04-26 01:11:00')
    OR ("id" = '57' AND "first_name" = 'Elif' AND "last_name" = 'Ivanova' AND "email" = 'elif.ivanova55@school.example' AND "birth_date" = '2008-05-11' AND "grade" = '9' AND "balance" = '318.99' AND "active" = '1' AND "notes" IS NULL AND "updated_at" = '2026-03-21 00:16:00')
    OR ("id" = '127' AND "first_name" = 'Ngozi' AND "last_name" = 'Silva' AND "email" = 'ngozi.silva117@school.example' AND "birth_date" = '2009-03-20' AND "grade" = '9' AND "balance" = '4.99' AND "active" = '0' AND "notes" = '/* not a comment */ -- nor this' AND "updated_at" = '2026-06-19 08:58:00')
    OR ("id" = '134' AND "first_name" = 'Zoë' AND "last_name" = 'Ng' AND "email" = 'z.ng@school.example' AND "birth_date" = '2012-02-02' AND "grade" = '7' AND "balance" = '1.50' AND "active" = '1' AND "notes" = '' AND "updated_at" = '2026-01-01 00:00:00');
  IF n <> 12 THEN
    RAISE EXCEPTION 'dupsweep: batch 1: % of the 12 surviving rows still hold their dumped values; the table changed since the dump, nothing was deleted', n;
  END IF;
  DELETE FROM "students" WHERE "id" IN ('10', '32', '58', '84', '92', '94', '100', '105', '108', '114', '125', '128', '130', '136')
    AND (("id" = '10' AND "first_name" = 'Elif' AND "last_name" = 'Haddad' AND "email" = 'elif.haddad2@school.example' AND "birth_date" = '2014-01-28' AND "grade" = '10' AND "balance" = '461.05' AND "active" = '1' AND "notes" = '' AND "updated_at" = '2026-01-19 09:21:00')
    OR ("id" = '32' AND "first_name" = 'Léa' AND "last_name" = 'Dupont' AND "email" = 'léa.dupont3@school.example' AND "birth_date" = '2009-05-14' AND "grade" = '11' AND "balance" = '167.50' AND "active" = '0' AND "notes" = 'tab	here' AND "updated_at" = '2026-06-18 09:30:00')
    OR ("id" = '58' AND "first_name" = 'Amina' AND "last_name" = 'Jensen' AND "email" = 'amina.jensen56@school.example' AND "birth_date" = '2014-03-01' AND "grade" = '10' AND "balance" = '118.00' AND "active" = '0' AND "notes" = '' AND "updated_at" = '2026-03-18 07:24:00')
    OR ("id" = '84' AND "first_name" = 'Liam' AND "last_name" = 'Haddad' AND "email" = 'liam.haddad81@school.example' AND "birth_date" = '2011-03-21' AND "grade" = '10' AND "balance" = '372.05' AND "active" = '1' AND "notes" = '/* not a comment */ -- nor this' AND "updated_at" = '2026-01-25 08:43:00')
    OR ("id" = '92' AND "first_name" = 'Liam' AND "last_name" = 'Okafor' AND "email" = 'liam.okafor53@school.example' AND "birth_date" = '2011-11-05' AND "grade" = '1' AND "balance" = '286.50' AND "active" = '0' AND "notes" = '' AND "updated_at" = '2026-04-18 05:18:00')
    OR ("id" = '94' AND "first_name" = 'Liam' AND "last_name" = 'Haddad' AND "email" = 'liam.haddad81@school.example' AND "birth_date" = '2011-03-21' AND "grade" = '10' AND "balance" = '372.05' AND "active" = '1' AND "notes" = '/* not a comment */ -- nor this' AND "updated_at" = '2026-10-11 12:00:00')
    OR ("id" = '100' AND "first_name" = 'zoe' AND "last_name" = 'García' AND "email" = 'zoe.garcía54@school.example' AND "birth_date" = '2013-05-24' AND "grade" = '7' AND "balance" = '211.05' AND "active" = '0' AND "notes" = '$dupsweep$ dollar $$ quoting' AND "updated_at" = '2026-02-16 02:38:00')
    OR ("id" = '105' AND "first_name" = 'Yusuf' AND "last_name" = 'Smith' AND "email" = 'yusuf.smith97@school.example' AND "birth_date" = '2012-04-03' AND "grade" = '6' AND "balance" = '356.50' AND "active" = '0' AND "notes" = '' AND "updated_at" = '2026-05-15 00:13:00')
    OR ("id" = '108' AND "first_name" = 'zoe' AND "last_name" = 'García' AND "email" = 'zoe.garcía54@school.example' AND "birth_date" = '2013-05-24' AND "grade" = '7' AND "balance" = '211.05' AND "active" = '0' AND "notes" = '$dupsweep$ dollar $$ quoting' AND "updated_at" = '2026-02-16 02:38:00')
    OR ("id" = '114' AND "first_name" = 'Omar' AND "last_name" = 'Haddad' AND "email" = 'omar.haddad105@school.example' AND "birth_date" = '2010-08-06' AND "grade" = '10' AND "balance" = '218.99' AND "active" = '0' AND "notes" = '/* not a comment */ -- nor this' AND "updated_at" = '2026-02-21 03:43:00')
    OR ("id" = '125' AND "first_name" = 'Priya' AND "last_name" = 'Haddad' AND "email" = 'priya.haddad58@school.example' AND "birth_date" = '2013-06-13' AND "grade" = '12' AND "balance" = '142.05' AND "active" = '0' AND "notes" = '' AND "updated_at" = '2026-04-26 01:11:00')
    OR ("id" = '128' AND "first_name" = 'Elif' AND "last_name" = 'Ivanova' AND "email" = 'elif.ivanova55@school.example' AND "birth_date" = '2008-05-11' AND "grade" = '9' AND "balance" = '318.99' AND "active" = '1' AND "notes" IS NULL AND "updated_at" = '2026-03-21 00:16:00')
    OR ("id" = '130' AND "first_name" = 'Ngozi' AND "last_name" = 'Silva' AND "email" = 'ngozi.silva117@school.example' AND "birth_date" = '2009-03-20' AND "grade" = '9' AND "balance" = '4.99' AND "active" = '0' AND "notes" = '/* not a comment */ -- nor this' AND "updated_at" = '2026-06-19 08:58:00')
    OR ("id" = '136' AND "first_name" = 'Zoë' AND "last_name" = 'Ng' AND "email" = 'z.ng@school.example' AND "birth_date" = '2012-02-02' AND "grade" = '7' AND "balance" = '1.50' AND "active" = '1' AND "notes" = '' AND "updated_at" = '2026-01-01 00:00:00'));
  GET DIAGNOSTICS n = ROW_COUNT;
  IF n NOT IN (0, 14) THEN
    RAISE EXCEPTION 'dupsweep: batch 1: % rows matched, expected 14 (or 0 when already applied); the table changed since the dump, nothing was deleted', n;
  END IF;
  SELECT count(*) INTO n FROM "students" WHERE "id" IN ('10', '32', '58', '84', '92', '94', '100', '105', '108', '114', '125', '128', '130', '136');
  IF n <> 0 THEN
    RAISE EXCEPTION 'dupsweep: batch 1: % rows to delete hold other values than in the dump; the table changed since the dump, nothing was deleted', n;
  END IF;
END
$dupsweep1$;
COMMIT;
