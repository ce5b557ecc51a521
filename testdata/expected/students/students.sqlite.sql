-- dupsweep 0.1.0: delete duplicate rows from table students
-- input: students.csv (sha256 f315a79c93487d9914c3f8c1fefb20e4ed8b8d235291c631e629e2e54da47cd1)
-- options: --pk id --ignore updated_at --keep max:updated_at --guard all --batch-size 1000
-- rows in the dump: 136; duplicate groups: 12; rows to delete: 14; batches: 1
-- Every batch deletes only rows that still hold their dumped values, and checks
-- that it deleted exactly the expected rows (or none, when the script was already
-- applied); any difference stops the script and rolls the whole transaction back.
-- run: sqlite3 DATABASE_FILE < THIS_FILE
.bail on
CREATE TEMP TABLE IF NOT EXISTS "dupsweep_guard" ("step" TEXT NOT NULL, "ok" INTEGER NOT NULL,
  CONSTRAINT "dupsweep guard failed: the table changed since the dump; the transaction is rolled back" CHECK ("ok"));
CREATE TEMP TABLE IF NOT EXISTS "dupsweep_references" ("step" TEXT NOT NULL, "ok" INTEGER NOT NULL,
  CONSTRAINT "dupsweep guard failed: a foreign key that dupsweep does not re-point references the table with ON DELETE CASCADE, SET NULL or SET DEFAULT; describe it in a dupsweep.toml and use dupsweep run; the transaction is rolled back" CHECK ("ok"));
BEGIN IMMEDIATE;
INSERT INTO temp."dupsweep_references" SELECT 'no cascading foreign key', count(*) = 0 FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f
    WHERE m.type = 'table' AND f."table" = 'students' COLLATE NOCASE AND f.on_delete IN ('CASCADE', 'SET NULL', 'SET DEFAULT');
-- the dumped rows, with the affinities of the table's columns
DROP TABLE IF EXISTS temp."dupsweep_rows";
CREATE TEMP TABLE "dupsweep_rows" AS SELECT 0 AS "dupsweep_chunk", '' AS "dupsweep_smask", '' AS "dupsweep_amask",
    "id", "first_name", "last_name", "email", "birth_date", "grade", "balance", "active", "notes", "updated_at", "id" AS "dupsweep_s0", "first_name" AS "dupsweep_s1", "last_name" AS "dupsweep_s2", "email" AS "dupsweep_s3", "birth_date" AS "dupsweep_s4", "grade" AS "dupsweep_s5", "balance" AS "dupsweep_s6", "active" AS "dupsweep_s7", "notes" AS "dupsweep_s8", "updated_at" AS "dupsweep_s9" FROM "students" WHERE 0;
INSERT INTO temp."dupsweep_rows" VALUES
(1, '0111111111', NULL, '10', 'Elif', 'Haddad', 'elif.haddad2@school.example', '2014-01-28', '10', '461.05', '1', '', '2026-01-19 09:21:00', '2', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
(1, '0111111111', NULL, '32', 'Léa', 'Dupont', 'léa.dupont3@school.example', '2009-05-14', '11', '167.50', '0', 'tab	here', '2026-06-18 09:30:00', '3', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
(1, '0111111110', NULL, '58', 'Amina', 'Jensen', 'amina.jensen56@school.example', '2014-03-01', '10', '118.00', '0', '', '2026-03-18 07:24:00', '61', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '2026-10-19 12:00:00'),
(1, '0111111110', NULL, '84', 'Liam', 'Haddad', 'liam.haddad81@school.example', '2011-03-21', '10', '372.05', '1', '/* not a comment */ -- nor this', '2026-01-25 08:43:00', '88', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '2026-10-11 12:00:00'),
(1, '0111111111', NULL, '92', 'Liam', 'Okafor', 'liam.okafor53@school.example', '2011-11-05', '1', '286.50', '0', '', '2026-04-18 05:18:00', '55', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
(1, NULL, NULL, '94', 'Liam', 'Haddad', 'liam.haddad81@school.example', '2011-03-21', '10', '372.05', '1', '/* not a comment */ -- nor this', '2026-10-11 12:00:00', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
(1, '0111111111', NULL, '100', 'zoe', 'García', 'zoe.garcía54@school.example', '2013-05-24', '7', '211.05', '0', '$dupsweep$ dollar $$ quoting', '2026-02-16 02:38:00', '56', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
(1, '0111111111', NULL, '105', 'Yusuf', 'Smith', 'yusuf.smith97@school.example', '2012-04-03', '6', '356.50', '0', '', '2026-05-15 00:13:00', '104', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
(1, NULL, NULL, '108', 'zoe', 'García', 'zoe.garcía54@school.example', '2013-05-24', '7', '211.05', '0', '$dupsweep$ dollar $$ quoting', '2026-02-16 02:38:00', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
(1, '0111111110', NULL, '114', 'Omar', 'Haddad', 'omar.haddad105@school.example', '2010-08-06', '10', '218.99', '0', '/* not a comment */ -- nor this', '2026-02-21 03:43:00', '119', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '2026-10-15 12:00:00'),
(1, '0111111111', NULL, '125', 'Priya', 'Haddad', 'priya.haddad58@school.example', '2013-06-13', '12', '142.05', '0', '', '2026-04-26 01:11:00', '60', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
(1, '0111111111', NULL, '128', 'Elif', 'Ivanova', 'elif.ivanova55@school.example', '2008-05-11', '9', '318.99', '1', NULL, '2026-03-21 00:16:00', '57', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
(1, '0111111111', NULL, '130', 'Ngozi', 'Silva', 'ngozi.silva117@school.example', '2009-03-20', '9', '4.99', '0', '/* not a comment */ -- nor this', '2026-06-19 08:58:00', '127', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
(1, '0111111111', NULL, '136', 'Zoë', 'Ng', 'z.ng@school.example', '2012-02-02', '7', '1.50', '1', '', '2026-01-01 00:00:00', '134', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
CREATE INDEX temp."dupsweep_rows_chunk" ON "dupsweep_rows" ("dupsweep_chunk");
-- batch 1 of 1: 14 rows
DELETE FROM "students" WHERE "students"."id" IN (SELECT dupsweep_t."id" FROM temp."dupsweep_rows" d JOIN "students" AS dupsweep_t ON dupsweep_t."id" = d."id"
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
      AND dupsweep_t."updated_at" IS d."updated_at" COLLATE BINARY);
INSERT INTO temp."dupsweep_guard" SELECT 'batch 1', CASE changes() WHEN 14 THEN (SELECT count(*) FROM temp."dupsweep_rows" d
    WHERE d."dupsweep_chunk" = 1 AND d."dupsweep_smask" IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM "students" AS dupsweep_t WHERE dupsweep_t."id" = (CASE WHEN substr(d."dupsweep_smask", 1, 1) = '1' THEN d."id" ELSE d."dupsweep_s0" END)
      AND dupsweep_t."id" IS (CASE WHEN substr(d."dupsweep_smask", 1, 1) = '1' THEN d."id" ELSE d."dupsweep_s0" END) COLLATE BINARY
      AND dupsweep_t."first_name" IS (CASE WHEN substr(d."dupsweep_smask", 2, 1) = '1' THEN d."first_name" ELSE d."dupsweep_s1" END) COLLATE BINARY
      AND dupsweep_t."last_name" IS (CASE WHEN substr(d."dupsweep_smask", 3, 1) = '1' THEN d."last_name" ELSE d."dupsweep_s2" END) COLLATE BINARY
      AND dupsweep_t."email" IS (CASE WHEN substr(d."dupsweep_smask", 4, 1) = '1' THEN d."email" ELSE d."dupsweep_s3" END) COLLATE BINARY
      AND dupsweep_t."birth_date" IS (CASE WHEN substr(d."dupsweep_smask", 5, 1) = '1' THEN d."birth_date" ELSE d."dupsweep_s4" END) COLLATE BINARY
      AND dupsweep_t."grade" IS (CASE WHEN substr(d."dupsweep_smask", 6, 1) = '1' THEN d."grade" ELSE d."dupsweep_s5" END) COLLATE BINARY
      AND dupsweep_t."balance" IS (CASE WHEN substr(d."dupsweep_smask", 7, 1) = '1' THEN d."balance" ELSE d."dupsweep_s6" END) COLLATE BINARY
      AND dupsweep_t."active" IS (CASE WHEN substr(d."dupsweep_smask", 8, 1) = '1' THEN d."active" ELSE d."dupsweep_s7" END) COLLATE BINARY
      AND dupsweep_t."notes" IS (CASE WHEN substr(d."dupsweep_smask", 9, 1) = '1' THEN d."notes" ELSE d."dupsweep_s8" END) COLLATE BINARY
      AND dupsweep_t."updated_at" IS (CASE WHEN substr(d."dupsweep_smask", 10, 1) = '1' THEN d."updated_at" ELSE d."dupsweep_s9" END) COLLATE BINARY)) = 0 WHEN 0 THEN (SELECT count(*) FROM temp."dupsweep_rows" d JOIN "students" AS dupsweep_t ON dupsweep_t."id" = d."id"
    WHERE d."dupsweep_chunk" = 1 AND dupsweep_t."id" IS d."id" COLLATE BINARY) = 0 ELSE 0 END;
DROP TABLE temp."dupsweep_rows";
COMMIT;
