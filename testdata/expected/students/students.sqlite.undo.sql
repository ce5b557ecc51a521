-- dupsweep 0.1.0: undo the deletion of duplicate rows from table students
-- puts back the 14 rows that students.sqlite.sql deleted, with their dumped values
-- Every step checks its result; any difference stops the script and rolls the whole
-- transaction back. Running it twice changes nothing more.
.bail on
PRAGMA foreign_keys = ON;
CREATE TEMP TABLE IF NOT EXISTS "dupsweep_guard" ("step" TEXT NOT NULL, "ok" INTEGER NOT NULL,
  CONSTRAINT "dupsweep guard failed: the table changed since the dump; the transaction is rolled back" CHECK ("ok"));
CREATE TEMP TABLE IF NOT EXISTS "dupsweep_references" ("step" TEXT NOT NULL, "ok" INTEGER NOT NULL,
  CONSTRAINT "dupsweep guard failed: a foreign key that dupsweep does not re-point references the table with ON DELETE CASCADE, SET NULL or SET DEFAULT; describe it in a dupsweep.toml and use dupsweep run; the transaction is rolled back" CHECK ("ok"));
BEGIN IMMEDIATE;
-- the dumped rows, with the affinities of the table's columns
DROP TABLE IF EXISTS temp."dupsweep_rows";
CREATE TEMP TABLE "dupsweep_rows" AS SELECT 0 AS "dupsweep_chunk", '' AS "dupsweep_smask", '' AS "dupsweep_amask",
    "id", "first_name", "last_name", "email", "birth_date", "grade", "balance", "active", "notes", "updated_at" FROM "students" WHERE 0;
INSERT INTO temp."dupsweep_rows" VALUES
(1, NULL, NULL, '10', 'Elif', 'Haddad', 'elif.haddad2@school.example', '2014-01-28', '10', '461.05', '1', '', '2026-01-19 09:21:00'),
(1, NULL, NULL, '32', 'Léa', 'Dupont', 'léa.dupont3@school.example', '2009-05-14', '11', '167.50', '0', 'tab	here', '2026-06-18 09:30:00'),
(1, NULL, NULL, '58', 'Amina', 'Jensen', 'amina.jensen56@school.example', '2014-03-01', '10', '118.00', '0', '', '2026-03-18 07:24:00'),
(1, NULL, NULL, '84', 'Liam', 'Haddad', 'liam.haddad81@school.example', '2011-03-21', '10', '372.05', '1', '/* not a comment */ -- nor this', '2026-01-25 08:43:00'),
(1, NULL, NULL, '92', 'Liam', 'Okafor', 'liam.okafor53@school.example', '2011-11-05', '1', '286.50', '0', '', '2026-04-18 05:18:00'),
(1, NULL, NULL, '94', 'Liam', 'Haddad', 'liam.haddad81@school.example', '2011-03-21', '10', '372.05', '1', '/* not a comment */ -- nor this', '2026-10-11 12:00:00'),
(1, NULL, NULL, '100', 'zoe', 'García', 'zoe.garcía54@school.example', '2013-05-24', '7', '211.05', '0', '$dupsweep$ dollar $$ quoting', '2026-02-16 02:38:00'),
(1, NULL, NULL, '105', 'Yusuf', 'Smith', 'yusuf.smith97@school.example', '2012-04-03', '6', '356.50', '0', '', '2026-05-15 00:13:00'),
(1, NULL, NULL, '108', 'zoe', 'García', 'zoe.garcía54@school.example', '2013-05-24', '7', '211.05', '0', '$dupsweep$ dollar $$ quoting', '2026-02-16 02:38:00'),
(1, NULL, NULL, '114', 'Omar', 'Haddad', 'omar.haddad105@school.example', '2010-08-06', '10', '218.99', '0', '/* not a comment */ -- nor this', '2026-02-21 03:43:00'),
(1, NULL, NULL, '125', 'Priya', 'Haddad', 'priya.haddad58@school.example', '2013-06-13', '12', '142.05', '0', '', '2026-04-26 01:11:00'),
(1, NULL, NULL, '128', 'Elif', 'Ivanova', 'elif.ivanova55@school.example', '2008-05-11', '9', '318.99', '1', NULL, '2026-03-21 00:16:00'),
(1, NULL, NULL, '130', 'Ngozi', 'Silva', 'ngozi.silva117@school.example', '2009-03-20', '9', '4.99', '0', '/* not a comment */ -- nor this', '2026-06-19 08:58:00'),
(1, NULL, NULL, '136', 'Zoë', 'Ng', 'z.ng@school.example', '2012-02-02', '7', '1.50', '1', '', '2026-01-01 00:00:00');
CREATE INDEX temp."dupsweep_rows_chunk" ON "dupsweep_rows" ("dupsweep_chunk");
-- undo batch 1 of 1: 14 rows
INSERT INTO "students" ("id", "first_name", "last_name", "email", "birth_date", "grade", "balance", "active", "notes", "updated_at") SELECT d."id", d."first_name", d."last_name", d."email", d."birth_date", d."grade", d."balance", d."active", d."notes", d."updated_at" FROM temp."dupsweep_rows" d
    WHERE d."dupsweep_chunk" = 1 AND NOT EXISTS (SELECT 1 FROM "students" AS dupsweep_t WHERE dupsweep_t."id" = d."id");
INSERT INTO temp."dupsweep_guard" SELECT 'undo batch 1', count(*) = 14 FROM temp."dupsweep_rows" d JOIN "students" AS dupsweep_t ON dupsweep_t."id" = d."id"
    WHERE d."dupsweep_chunk" = 1
      AND dupsweep_t."id" IS d."id" COLLATE BINARY
      AND dupsweep_t."first_name" IS d."first_name" COLLATE BINARY
      AND dupsweep_t."last_name" IS d."last_name" COLLATE BINARY
      AND dupsweep_t."email" IS d."email" COLLATE BINARY
      AND dupsweep_t."birth_date" IS d."birth_date" COLLATE BINARY
      AND dupsweep_t."grade" IS d."grade" COLLATE BINARY
      AND dupsweep_t."balance" IS d."balance" COLLATE BINARY
      AND dupsweep_t."active" IS d."active" COLLATE BINARY
      AND dupsweep_t."notes" IS d."notes" COLLATE BINARY
      AND dupsweep_t."updated_at" IS d."updated_at" COLLATE BINARY;
DROP TABLE temp."dupsweep_rows";
COMMIT;
