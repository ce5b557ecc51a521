-- dupsweep 0.1.0: undo the deletion of duplicate rows from table students
-- puts back the 14 rows that students.postgres.sql deleted, with their dumped values
-- Every step checks its result; any difference stops the script and rolls the whole
-- transaction back. Running it twice changes nothing more.
\set ON_ERROR_STOP on
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
BEGIN;
LOCK TABLE "students" IN SHARE ROW EXCLUSIVE MODE;
-- undo batch 1 of 1: 14 rows
INSERT INTO "students" ("id", "first_name", "last_name", "email", "birth_date", "grade", "balance", "active", "notes", "updated_at") SELECT '10', 'Elif', 'Haddad', 'elif.haddad2@school.example', '2014-01-28', '10', '461.05', '1', '', '2026-01-19 09:21:00' WHERE NOT EXISTS (SELECT 1 FROM "students" WHERE "id" IN ('10'));
INSERT INTO "students" ("id", "first_name", "last_name", "email", "birth_date", "grade", "balance", "active", "notes", "updated_at") SELECT '32', 'Léa', 'Dupont', 'léa.dupont3@school.example', '2009-05-14', '11', '167.50', '0', 'tab	here', '2026-06-18 09:30:00' WHERE NOT EXISTS (SELECT 1 FROM "students" WHERE "id" IN ('32'));
INSERT INTO "students" ("id", "first_name", "last_name", "email", "birth_date", "grade", "balance", "active", "notes", "updated_at") SELECT '58', 'Amina', 'Jensen', 'amina.jensen56@school.example', '2014-03-01', '10', '118.00', '0', '', '2026-03-18 07:24:00' WHERE NOT EXISTS (SELECT 1 FROM "students" WHERE "id" IN ('58'));
INSERT INTO "students" ("id", "first_name", "last_name", "email", "birth_date", "grade", "balance", "active", "notes", "updated_at") SELECT '84', 'Liam', 'Haddad', 'liam.haddad81@school.example', '2011-03-21', '10', '372.05', '1', '/* not a comment */ -- nor this', '2026-01-25 08:43:00' WHERE NOT EXISTS (SELECT 1 FROM "students" WHERE "id" IN ('84'));
INSERT INTO "students" ("id", "first_name", "last_name", "email", "birth_date", "grade", "balance", "active", "notes", "updated_at") SELECT '92', 'Liam', 'Okafor', 'liam.okafor53@school.example', '2011-11-05', '1', '286.50', '0', '', '2026-04-18 05:18:00' WHERE NOT EXISTS (SELECT 1 FROM "students" WHERE "id" IN ('92'));
INSERT INTO "students" ("id", "first_name", "last_name", "email", "birth_date", "grade", "balance", "active", "notes", "updated_at") SELECT '94', 'Liam', 'Haddad', 'liam.haddad81@school.example', '2011-03-21', '10', '372.05', '1', '/* not a comment */ -- nor this', '2026-10-11 12:00:00' WHERE NOT EXISTS (SELECT 1 FROM "students" WHERE "id" IN ('94'));
INSERT INTO "students" ("id", "first_name", "last_name", "email", "birth_date", "grade", "balance", "active", "notes", "updated_at") SELECT '100', 'zoe', 'García', 'zoe.garcía54@school.example', '2013-05-24', '7', '211.05', '0', '$dupsweep$ dollar $$ quoting', '2026-02-16 02:38:00' WHERE NOT EXISTS (SELECT 1 FROM "students" WHERE "id" IN ('100'));
INSERT INTO "students" ("id", "first_name", "last_name", "email", "birth_date", "grade", "balance", "active", "notes", "updated_at") SELECT '105', 'Yusuf', 'Smith', 'yusuf.smith97@school.example', '2012-04-03', '6', '356.50', '0', '', '2026-05-15 00:13:00' WHERE NOT EXISTS (SELECT 1 FROM "students" WHERE "id" IN ('105'));
INSERT INTO "students" ("id", "first_name", "last_name", "email", "birth_date", "grade", "balance", "active", "notes", "updated_at") SELECT '108', 'zoe', 'García', 'zoe.garcía54@school.example', '2013-05-24', '7', '211.05', '0', '$dupsweep$ dollar $$ quoting', '2026-02-16 02:38:00' WHERE NOT EXISTS (SELECT 1 FROM "students" WHERE "id" IN ('108'));
INSERT INTO "students" ("id", "first_name", "last_name", "email", "birth_date", "grade", "balance", "active", "notes", "updated_at") SELECT '114', 'Omar', 'Haddad', 'omar.haddad105@school.example', '2010-08-06', '10', '218.99', '0', '/* not a comment */ -- nor this', '2026-02-21 03:43:00' WHERE NOT EXISTS (SELECT 1 FROM "students" WHERE "id" IN ('114'));
INSERT INTO "students" ("id", "first_name", "last_name", "email", "birth_date", "grade", "balance", "active", "notes", "updated_at") SELECT '125', 'Priya', 'Haddad', 'priya.haddad58@school.example', '2013-06-13', '12', '142.05', '0', '', '2026-04-26 01:11:00' WHERE NOT EXISTS (SELECT 1 FROM "students" WHERE "id" IN ('125'));
INSERT INTO "students" ("id", "first_name", "last_name", "email", "birth_date", "grade", "balance", "active", "notes", "updated_at") SELECT '128', 'Elif', 'Ivanova', 'elif.ivanova55@school.example', '2008-05-11', '9', '318.99', '1', NULL, '2026-03-21 00:16:00' WHERE NOT EXISTS (SELECT 1 FROM "students" WHERE "id" IN ('128'));
INSERT INTO "students" ("id", "first_name", "last_name", "email", "birth_date", "grade", "balance", "active", "notes", "updated_at") SELECT '130', 'Ngozi', 'Silva', 'ngozi.silva117@school.example', '2009-03-20', '9', '4.99', '0', '/* not a comment */ -- nor this', '2026-06-19 08:58:00' WHERE NOT EXISTS (SELECT 1 FROM "students" WHERE "id" IN ('130'));
INSERT INTO "students" ("id", "first_name", "last_name", "email", "birth_date", "grade", "balance", "active", "notes", "updated_at") SELECT '136', 'Zoë', 'Ng', 'z.ng@school.example', '2012-02-02', '7', '1.50', '1', '', '2026-01-01 00:00:00' WHERE NOT EXISTS (SELECT 1 FROM "students" WHERE "id" IN ('136'));
DO $dupsweep1$
DECLARE
  n bigint;
  ok boolean;
BEGIN
  SELECT (count(*) = 14) INTO ok FROM "students" WHERE "id" IN ('10', '32', '58', '84', '92', '94', '100', '105', '108', '114', '125', '128', '130', '136')
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
  IF NOT coalesce(ok, false) THEN
    RAISE EXCEPTION 'dupsweep: undo batch 1: the table changed since the dump; nothing was changed';
  END IF;
END
$dupsweep1$;
COMMIT;
