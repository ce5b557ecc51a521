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
SET jit = off;
BEGIN;
CREATE OR REPLACE FUNCTION pg_temp.dupsweep_is(a anyelement, b anyelement) RETURNS boolean LANGUAGE plpgsql STABLE
AS $dupsweep_is$
BEGIN
  RETURN pg_catalog.to_jsonb(a) = pg_catalog.to_jsonb(b) AND pg_catalog.left(a::text, 1) = pg_catalog.left(b::text, 1)
    AND (pg_catalog.pg_typeof(a) <> 'json'::regtype OR a::text = b::text);
END
$dupsweep_is$;
LOCK TABLE "students" IN SHARE ROW EXCLUSIVE MODE;
DO $dupsweep$
#variable_conflict use_column
DECLARE
  dupsweep_n bigint;
  dupsweep_ok boolean;
BEGIN
  SELECT count(*) INTO dupsweep_n FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
    WHERE c.contype = 'f' AND c.confrelid = to_regclass('"students"') AND c.confdeltype IN ('c', 'n', 'd');
  IF dupsweep_n <> 0 THEN
    RAISE EXCEPTION 'dupsweep: % foreign keys reference this table with ON DELETE CASCADE, SET NULL or SET DEFAULT from a table or column that dupsweep does not re-point: deleting its duplicates would change those rows; describe them in a dupsweep.toml (foreign-keys) and use dupsweep run; nothing was changed', dupsweep_n;
  END IF;
END
$dupsweep$;
DO $dupsweep1$
#variable_conflict use_column
DECLARE
  dupsweep_n bigint;
  dupsweep_ok boolean;
BEGIN
  -- batch 1 of 1: 14 rows
  SELECT count(*) INTO dupsweep_n FROM "students" WHERE
    ("id" = '2' AND pg_temp.dupsweep_is("id", '2') AND pg_temp.dupsweep_is("first_name", 'Elif') AND pg_temp.dupsweep_is("last_name", 'Haddad') AND pg_temp.dupsweep_is("email", 'elif.haddad2@school.example') AND pg_temp.dupsweep_is("birth_date", '2014-01-28') AND pg_temp.dupsweep_is("grade", '10') AND pg_temp.dupsweep_is("balance", '461.05') AND pg_temp.dupsweep_is("active", '1') AND pg_temp.dupsweep_is("notes", '') AND pg_temp.dupsweep_is("updated_at", '2026-01-19 09:21:00'))
    OR ("id" = '3' AND pg_temp.dupsweep_is("id", '3') AND pg_temp.dupsweep_is("first_name", 'Léa') AND pg_temp.dupsweep_is("last_name", 'Dupont') AND pg_temp.dupsweep_is("email", 'léa.dupont3@school.example') AND pg_temp.dupsweep_is("birth_date", '2009-05-14') AND pg_temp.dupsweep_is("grade", '11') AND pg_temp.dupsweep_is("balance", '167.50') AND pg_temp.dupsweep_is("active", '0') AND pg_temp.dupsweep_is("notes", 'tab	here') AND pg_temp.dupsweep_is("updated_at", '2026-06-18 09:30:00'))
    OR ("id" = '61' AND pg_temp.dupsweep_is("id", '61') AND pg_temp.dupsweep_is("first_name", 'Amina') AND pg_temp.dupsweep_is("last_name", 'Jensen') AND pg_temp.dupsweep_is("email", 'amina.jensen56@school.example') AND pg_temp.dupsweep_is("birth_date", '2014-03-01') AND pg_temp.dupsweep_is("grade", '10') AND pg_temp.dupsweep_is("balance", '118.00') AND pg_temp.dupsweep_is("active", '0') AND pg_temp.dupsweep_is("notes", '') AND pg_temp.dupsweep_is("updated_at", '2026-10-19 12:00:00'))
    OR ("id" = '88' AND pg_temp.dupsweep_is("id", '88') AND pg_temp.dupsweep_is("first_name", 'Liam') AND pg_temp.dupsweep_is("last_name", 'Haddad') AND pg_temp.dupsweep_is("email", 'liam.haddad81@school.example') AND pg_temp.dupsweep_is("birth_date", '2011-03-21') AND pg_temp.dupsweep_is("grade", '10') AND pg_temp.dupsweep_is("balance", '372.05') AND pg_temp.dupsweep_is("active", '1') AND pg_temp.dupsweep_is("notes", '/* not a comment */ -- nor this') AND pg_temp.dupsweep_is("updated_at", '2026-10-11 12:00:00'))
    OR ("id" = '55' AND pg_temp.dupsweep_is("id", '55') AND pg_temp.dupsweep_is("first_name", 'Liam') AND pg_temp.dupsweep_is("last_name", 'Okafor') AND pg_temp.dupsweep_is("email", 'liam.okafor53@school.example') AND pg_temp.dupsweep_is("birth_date", '2011-11-05') AND pg_temp.dupsweep_is("grade", '1') AND pg_temp.dupsweep_is("balance", '286.50') AND pg_temp.dupsweep_is("active", '0') AND pg_temp.dupsweep_is("notes", '') AND pg_temp.dupsweep_is("updated_at", '2026-04-18 05:18:00'))
    OR ("id" = '56' AND pg_temp.dupsweep_is("id", '56') AND pg_temp.dupsweep_is("first_name", 'zoe') AND pg_temp.dupsweep_is("last_name", 'García') AND pg_temp.dupsweep_is("email", 'zoe.garcía54@school.example') AND pg_temp.dupsweep_is("birth_date", '2013-05-24') AND pg_temp.dupsweep_is("grade", '7') AND pg_temp.dupsweep_is("balance", '211.05') AND pg_temp.dupsweep_is("active", '0') AND pg_temp.dupsweep_is("notes", '$dupsweep$ dollar $$ quoting') AND pg_temp.dupsweep_is("updated_at", '2026-02-16 02:38:00'))
    OR ("id" = '104' AND pg_temp.dupsweep_is("id", '104') AND pg_temp.dupsweep_is("first_name", 'Yusuf') AND pg_temp.dupsweep_is("last_name", 'Smith') AND pg_temp.dupsweep_is("email", 'yusuf.smith97@school.example') AND pg_temp.dupsweep_is("birth_date", '2012-04-03') AND pg_temp.dupsweep_is("grade", '6') AND pg_temp.dupsweep_is("balance", '356.50') AND pg_temp.dupsweep_is("active", '0') AND pg_temp.dupsweep_is("notes", '') AND pg_temp.dupsweep_is("updated_at", '2026-05-15 00:13:00'))
    OR ("id" = '119' AND pg_temp.dupsweep_is("id", '119') AND pg_temp.dupsweep_is("first_name", 'Omar') AND pg_temp.dupsweep_is("last_name", 'Haddad') AND pg_temp.dupsweep_is("email", 'omar.haddad105@school.example') AND pg_temp.dupsweep_is("birth_date", '2010-08-06') AND pg_temp.dupsweep_is("grade", '10') AND pg_temp.dupsweep_is("balance", '218.99') AND pg_temp.dupsweep_is("active", '0') AND pg_temp.dupsweep_is("notes", '/* not a comment */ -- nor this') AND pg_temp.dupsweep_is("updated_at", '2026-10-15 12:00:00'))
    OR ("id" = '60' AND pg_temp.dupsweep_is("id", '60') AND pg_temp.dupsweep_is("first_name", 'Priya') AND pg_temp.dupsweep_is("last_name", 'Haddad') AND pg_temp.dupsweep_is("email", 'priya.haddad58@school.example') AND pg_temp.dupsweep_is("birth_date", '2013-06-13') AND pg_temp.dupsweep_is("grade", '12') AND pg_temp.dupsweep_is("balance", '142.05') AND pg_temp.dupsweep_is("active", '0') AND pg_temp.dupsweep_is("notes", '') AND pg_temp.dupsweep_is("updated_at", '2026-04-26 01:11:00'))
    OR ("id" = '57' AND pg_temp.dupsweep_is("id", '57') AND pg_temp.dupsweep_is("first_name", 'Elif') AND pg_temp.dupsweep_is("last_name", 'Ivanova') AND pg_temp.dupsweep_is("email", 'elif.ivanova55@school.example') AND pg_temp.dupsweep_is("birth_date", '2008-05-11') AND pg_temp.dupsweep_is("grade", '9') AND pg_temp.dupsweep_is("balance", '318.99') AND pg_temp.dupsweep_is("active", '1') AND "notes" IS NULL AND pg_temp.dupsweep_is("updated_at", '2026-03-21 00:16:00'))
    OR ("id" = '127' AND pg_temp.dupsweep_is("id", '127') AND pg_temp.dupsweep_is("first_name", 'Ngozi') AND pg_temp.dupsweep_is("last_name", 'Silva') AND pg_temp.dupsweep_is("email", 'ngozi.silva117@school.example') AND pg_temp.dupsweep_is("birth_date", '2009-03-20') AND pg_temp.dupsweep_is("grade", '9') AND pg_temp.dupsweep_is("balance", '4.99') AND pg_temp.dupsweep_is("active", '0') AND pg_temp.dupsweep_is("notes", '/* not a comment */ -- nor this') AND pg_temp.dupsweep_is("updated_at", '2026-06-19 08:58:00'))
    OR ("id" = '134' AND pg_temp.dupsweep_is("id", '134') AND pg_temp.dupsweep_is("first_name", 'Zoë') AND pg_temp.dupsweep_is("last_name", 'Ng') AND pg_temp.dupsweep_is("email", 'z.ng@school.example') AND pg_temp.dupsweep_is("birth_date", '2012-02-02') AND pg_temp.dupsweep_is("grade", '7') AND pg_temp.dupsweep_is("balance", '1.50') AND pg_temp.dupsweep_is("active", '1') AND pg_temp.dupsweep_is("notes", '') AND pg_temp.dupsweep_is("updated_at", '2026-01-01 00:00:00'));
  IF dupsweep_n <> 12 THEN
    RAISE EXCEPTION 'dupsweep: batch 1: % of the 12 surviving rows still hold their dumped values; the table changed since the dump, nothing was deleted', dupsweep_n;
  END IF;
  DELETE FROM "students" WHERE "id" IN ('10', '32', '58', '84', '92', '94', '100', '105', '108', '114', '125', '128', '130', '136')
    AND (("id" = '10' AND pg_temp.dupsweep_is("id", '10') AND pg_temp.dupsweep_is("first_name", 'Elif') AND pg_temp.dupsweep_is("last_name", 'Haddad') AND pg_temp.dupsweep_is("email", 'elif.haddad2@school.example') AND pg_temp.dupsweep_is("birth_date", '2014-01-28') AND pg_temp.dupsweep_is("grade", '10') AND pg_temp.dupsweep_is("balance", '461.05') AND pg_temp.dupsweep_is("active", '1') AND pg_temp.dupsweep_is("notes", '') AND pg_temp.dupsweep_is("updated_at", '2026-01-19 09:21:00'))
    OR ("id" = '32' AND pg_temp.dupsweep_is("id", '32') AND pg_temp.dupsweep_is("first_name", 'Léa') AND pg_temp.dupsweep_is("last_name", 'Dupont') AND pg_temp.dupsweep_is("email", 'léa.dupont3@school.example') AND pg_temp.dupsweep_is("birth_date", '2009-05-14') AND pg_temp.dupsweep_is("grade", '11') AND pg_temp.dupsweep_is("balance", '167.50') AND pg_temp.dupsweep_is("active", '0') AND pg_temp.dupsweep_is("notes", 'tab	here') AND pg_temp.dupsweep_is("updated_at", '2026-06-18 09:30:00'))
    OR ("id" = '58' AND pg_temp.dupsweep_is("id", '58') AND pg_temp.dupsweep_is("first_name", 'Amina') AND pg_temp.dupsweep_is("last_name", 'Jensen') AND pg_temp.dupsweep_is("email", 'amina.jensen56@school.example') AND pg_temp.dupsweep_is("birth_date", '2014-03-01') AND pg_temp.dupsweep_is("grade", '10') AND pg_temp.dupsweep_is("balance", '118.00') AND pg_temp.dupsweep_is("active", '0') AND pg_temp.dupsweep_is("notes", '') AND pg_temp.dupsweep_is("updated_at", '2026-03-18 07:24:00'))
    OR ("id" = '84' AND pg_temp.dupsweep_is("id", '84') AND pg_temp.dupsweep_is("first_name", 'Liam') AND pg_temp.dupsweep_is("last_name", 'Haddad') AND pg_temp.dupsweep_is("email", 'liam.haddad81@school.example') AND pg_temp.dupsweep_is("birth_date", '2011-03-21') AND pg_temp.dupsweep_is("grade", '10') AND pg_temp.dupsweep_is("balance", '372.05') AND pg_temp.dupsweep_is("active", '1') AND pg_temp.dupsweep_is("notes", '/* not a comment */ -- nor this') AND pg_temp.dupsweep_is("updated_at", '2026-01-25 08:43:00'))
    OR ("id" = '92' AND pg_temp.dupsweep_is("id", '92') AND pg_temp.dupsweep_is("first_name", 'Liam') AND pg_temp.dupsweep_is("last_name", 'Okafor') AND pg_temp.dupsweep_is("email", 'liam.okafor53@school.example') AND pg_temp.dupsweep_is("birth_date", '2011-11-05') AND pg_temp.dupsweep_is("grade", '1') AND pg_temp.dupsweep_is("balance", '286.50') AND pg_temp.dupsweep_is("active", '0') AND pg_temp.dupsweep_is("notes", '') AND pg_temp.dupsweep_is("updated_at", '2026-04-18 05:18:00'))
    OR ("id" = '94' AND pg_temp.dupsweep_is("id", '94') AND pg_temp.dupsweep_is("first_name", 'Liam') AND pg_temp.dupsweep_is("last_name", 'Haddad') AND pg_temp.dupsweep_is("email", 'liam.haddad81@school.example') AND pg_temp.dupsweep_is("birth_date", '2011-03-21') AND pg_temp.dupsweep_is("grade", '10') AND pg_temp.dupsweep_is("balance", '372.05') AND pg_temp.dupsweep_is("active", '1') AND pg_temp.dupsweep_is("notes", '/* not a comment */ -- nor this') AND pg_temp.dupsweep_is("updated_at", '2026-10-11 12:00:00'))
    OR ("id" = '100' AND pg_temp.dupsweep_is("id", '100') AND pg_temp.dupsweep_is("first_name", 'zoe') AND pg_temp.dupsweep_is("last_name", 'García') AND pg_temp.dupsweep_is("email", 'zoe.garcía54@school.example') AND pg_temp.dupsweep_is("birth_date", '2013-05-24') AND pg_temp.dupsweep_is("grade", '7') AND pg_temp.dupsweep_is("balance", '211.05') AND pg_temp.dupsweep_is("active", '0') AND pg_temp.dupsweep_is("notes", '$dupsweep$ dollar $$ quoting') AND pg_temp.dupsweep_is("updated_at", '2026-02-16 02:38:00'))
    OR ("id" = '105' AND pg_temp.dupsweep_is("id", '105') AND pg_temp.dupsweep_is("first_name", 'Yusuf') AND pg_temp.dupsweep_is("last_name", 'Smith') AND pg_temp.dupsweep_is("email", 'yusuf.smith97@school.example') AND pg_temp.dupsweep_is("birth_date", '2012-04-03') AND pg_temp.dupsweep_is("grade", '6') AND pg_temp.dupsweep_is("balance", '356.50') AND pg_temp.dupsweep_is("active", '0') AND pg_temp.dupsweep_is("notes", '') AND pg_temp.dupsweep_is("updated_at", '2026-05-15 00:13:00'))
    OR ("id" = '108' AND pg_temp.dupsweep_is("id", '108') AND pg_temp.dupsweep_is("first_name", 'zoe') AND pg_temp.dupsweep_is("last_name", 'García') AND pg_temp.dupsweep_is("email", 'zoe.garcía54@school.example') AND pg_temp.dupsweep_is("birth_date", '2013-05-24') AND pg_temp.dupsweep_is("grade", '7') AND pg_temp.dupsweep_is("balance", '211.05') AND pg_temp.dupsweep_is("active", '0') AND pg_temp.dupsweep_is("notes", '$dupsweep$ dollar $$ quoting') AND pg_temp.dupsweep_is("updated_at", '2026-02-16 02:38:00'))
    OR ("id" = '114' AND pg_temp.dupsweep_is("id", '114') AND pg_temp.dupsweep_is("first_name", 'Omar') AND pg_temp.dupsweep_is("last_name", 'Haddad') AND pg_temp.dupsweep_is("email", 'omar.haddad105@school.example') AND pg_temp.dupsweep_is("birth_date", '2010-08-06') AND pg_temp.dupsweep_is("grade", '10') AND pg_temp.dupsweep_is("balance", '218.99') AND pg_temp.dupsweep_is("active", '0') AND pg_temp.dupsweep_is("notes", '/* not a comment */ -- nor this') AND pg_temp.dupsweep_is("updated_at", '2026-02-21 03:43:00'))
    OR ("id" = '125' AND pg_temp.dupsweep_is("id", '125') AND pg_temp.dupsweep_is("first_name", 'Priya') AND pg_temp.dupsweep_is("last_name", 'Haddad') AND pg_temp.dupsweep_is("email", 'priya.haddad58@school.example') AND pg_temp.dupsweep_is("birth_date", '2013-06-13') AND pg_temp.dupsweep_is("grade", '12') AND pg_temp.dupsweep_is("balance", '142.05') AND pg_temp.dupsweep_is("active", '0') AND pg_temp.dupsweep_is("notes", '') AND pg_temp.dupsweep_is("updated_at", '2026-04-26 01:11:00'))
    OR ("id" = '128' AND pg_temp.dupsweep_is("id", '128') AND pg_temp.dupsweep_is("first_name", 'Elif') AND pg_temp.dupsweep_is("last_name", 'Ivanova') AND pg_temp.dupsweep_is("email", 'elif.ivanova55@school.example') AND pg_temp.dupsweep_is("birth_date", '2008-05-11') AND pg_temp.dupsweep_is("grade", '9') AND pg_temp.dupsweep_is("balance", '318.99') AND pg_temp.dupsweep_is("active", '1') AND "notes" IS NULL AND pg_temp.dupsweep_is("updated_at", '2026-03-21 00:16:00'))
    OR ("id" = '130' AND pg_temp.dupsweep_is("id", '130') AND pg_temp.dupsweep_is("first_name", 'Ngozi') AND pg_temp.dupsweep_is("last_name", 'Silva') AND pg_temp.dupsweep_is("email", 'ngozi.silva117@school.example') AND pg_temp.dupsweep_is("birth_date", '2009-03-20') AND pg_temp.dupsweep_is("grade", '9') AND pg_temp.dupsweep_is("balance", '4.99') AND pg_temp.dupsweep_is("active", '0') AND pg_temp.dupsweep_is("notes", '/* not a comment */ -- nor this') AND pg_temp.dupsweep_is("updated_at", '2026-06-19 08:58:00'))
    OR ("id" = '136' AND pg_temp.dupsweep_is("id", '136') AND pg_temp.dupsweep_is("first_name", 'Zoë') AND pg_temp.dupsweep_is("last_name", 'Ng') AND pg_temp.dupsweep_is("email", 'z.ng@school.example') AND pg_temp.dupsweep_is("birth_date", '2012-02-02') AND pg_temp.dupsweep_is("grade", '7') AND pg_temp.dupsweep_is("balance", '1.50') AND pg_temp.dupsweep_is("active", '1') AND pg_temp.dupsweep_is("notes", '') AND pg_temp.dupsweep_is("updated_at", '2026-01-01 00:00:00')));
  GET DIAGNOSTICS dupsweep_n = ROW_COUNT;
  IF dupsweep_n NOT IN (0, 14) THEN
    RAISE EXCEPTION 'dupsweep: batch 1: % rows matched, expected 14 (or 0 when already applied); the table changed since the dump, nothing was deleted', dupsweep_n;
  END IF;
  SELECT count(*) INTO dupsweep_n FROM "students" WHERE "id" IN ('10', '32', '58', '84', '92', '94', '100', '105', '108', '114', '125', '128', '130', '136');
  IF dupsweep_n <> 0 THEN
    RAISE EXCEPTION 'dupsweep: batch 1: % rows to delete hold other values than in the dump; the table changed since the dump, nothing was deleted', dupsweep_n;
  END IF;
END
$dupsweep1$;
COMMIT;
