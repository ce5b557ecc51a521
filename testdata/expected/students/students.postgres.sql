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
-- the dumped rows, typed as the table's columns
CREATE TEMPORARY TABLE "dupsweep_rows" AS SELECT 0::int AS "dupsweep_chunk", ''::text AS "dupsweep_smask", ''::text AS "dupsweep_amask",
    "id", "first_name", "last_name", "email", "birth_date", "grade", "balance", "active", "notes", "updated_at", "id" AS "dupsweep_s0", "first_name" AS "dupsweep_s1", "last_name" AS "dupsweep_s2", "email" AS "dupsweep_s3", "birth_date" AS "dupsweep_s4", "grade" AS "dupsweep_s5", "balance" AS "dupsweep_s6", "active" AS "dupsweep_s7", "notes" AS "dupsweep_s8", "updated_at" AS "dupsweep_s9" FROM "students" WITH NO DATA;
COPY pg_temp."dupsweep_rows" FROM stdin;
1	0111111111	\N	10	Elif	Haddad	elif.haddad2@school.example	2014-01-28	10	461.05	1		2026-01-19 09:21:00	2	\N	\N	\N	\N	\N	\N	\N	\N	\N
1	0111111111	\N	32	Léa	Dupont	léa.dupont3@school.example	2009-05-14	11	167.50	0	tab\there	2026-06-18 09:30:00	3	\N	\N	\N	\N	\N	\N	\N	\N	\N
1	0111111110	\N	58	Amina	Jensen	amina.jensen56@school.example	2014-03-01	10	118.00	0		2026-03-18 07:24:00	61	\N	\N	\N	\N	\N	\N	\N	\N	2026-10-19 12:00:00
1	0111111110	\N	84	Liam	Haddad	liam.haddad81@school.example	2011-03-21	10	372.05	1	/* not a comment */ -- nor this	2026-01-25 08:43:00	88	\N	\N	\N	\N	\N	\N	\N	\N	2026-10-11 12:00:00
1	0111111111	\N	92	Liam	Okafor	liam.okafor53@school.example	2011-11-05	1	286.50	0		2026-04-18 05:18:00	55	\N	\N	\N	\N	\N	\N	\N	\N	\N
1	\N	\N	94	Liam	Haddad	liam.haddad81@school.example	2011-03-21	10	372.05	1	/* not a comment */ -- nor this	2026-10-11 12:00:00	\N	\N	\N	\N	\N	\N	\N	\N	\N	\N
1	0111111111	\N	100	zoe	García	zoe.garcía54@school.example	2013-05-24	7	211.05	0	$dupsweep$ dollar $$ quoting	2026-02-16 02:38:00	56	\N	\N	\N	\N	\N	\N	\N	\N	\N
1	0111111111	\N	105	Yusuf	Smith	yusuf.smith97@school.example	2012-04-03	6	356.50	0		2026-05-15 00:13:00	104	\N	\N	\N	\N	\N	\N	\N	\N	\N
1	\N	\N	108	zoe	García	zoe.garcía54@school.example	2013-05-24	7	211.05	0	$dupsweep$ dollar $$ quoting	2026-02-16 02:38:00	\N	\N	\N	\N	\N	\N	\N	\N	\N	\N
1	0111111110	\N	114	Omar	Haddad	omar.haddad105@school.example	2010-08-06	10	218.99	0	/* not a comment */ -- nor this	2026-02-21 03:43:00	119	\N	\N	\N	\N	\N	\N	\N	\N	2026-10-15 12:00:00
1	0111111111	\N	125	Priya	Haddad	priya.haddad58@school.example	2013-06-13	12	142.05	0		2026-04-26 01:11:00	60	\N	\N	\N	\N	\N	\N	\N	\N	\N
1	0111111111	\N	128	Elif	Ivanova	elif.ivanova55@school.example	2008-05-11	9	318.99	1	\N	2026-03-21 00:16:00	57	\N	\N	\N	\N	\N	\N	\N	\N	\N
1	0111111111	\N	130	Ngozi	Silva	ngozi.silva117@school.example	2009-03-20	9	4.99	0	/* not a comment */ -- nor this	2026-06-19 08:58:00	127	\N	\N	\N	\N	\N	\N	\N	\N	\N
1	0111111111	\N	136	Zoë	Ng	z.ng@school.example	2012-02-02	7	1.50	1		2026-01-01 00:00:00	134	\N	\N	\N	\N	\N	\N	\N	\N	\N
\.
CREATE INDEX ON pg_temp."dupsweep_rows" ("dupsweep_chunk");
ANALYZE pg_temp."dupsweep_rows" ("dupsweep_chunk");
DO $dupsweep$
#variable_conflict use_column
DECLARE
  dupsweep_n bigint;
  dupsweep_ok boolean;
BEGIN
  -- batch 1 of 1: 14 rows
  SET LOCAL enable_hashjoin = off;
  SET LOCAL enable_mergejoin = off;
  DELETE FROM "students" dupsweep_t USING pg_temp."dupsweep_rows" d
    WHERE d."dupsweep_chunk" = 1 AND dupsweep_t."id" = d."id"
    AND pg_catalog.record_image_eq(ROW(dupsweep_t."id", dupsweep_t."first_name", dupsweep_t."last_name", dupsweep_t."email", dupsweep_t."birth_date", dupsweep_t."grade", dupsweep_t."balance", dupsweep_t."active", dupsweep_t."notes", dupsweep_t."updated_at"), ROW(d."id", d."first_name", d."last_name", d."email", d."birth_date", d."grade", d."balance", d."active", d."notes", d."updated_at"));
  GET DIAGNOSTICS dupsweep_n = ROW_COUNT;
  IF dupsweep_n NOT IN (0, 14) THEN
    RAISE EXCEPTION 'dupsweep: batch 1: % rows matched, expected 14 (or 0 when already applied); the table changed since the dump, nothing was deleted', dupsweep_n;
  END IF;
  IF dupsweep_n = 14 THEN
  SELECT count(*) INTO dupsweep_n FROM pg_temp."dupsweep_rows" d
    WHERE d."dupsweep_chunk" = 1 AND d."dupsweep_smask" IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM "students" dupsweep_t WHERE dupsweep_t."id" = CASE WHEN pg_catalog.substr(d."dupsweep_smask", 1, 1) = '1' THEN d."id" ELSE d."dupsweep_s0" END
      AND pg_catalog.record_image_eq(ROW(dupsweep_t."id", dupsweep_t."first_name", dupsweep_t."last_name", dupsweep_t."email", dupsweep_t."birth_date", dupsweep_t."grade", dupsweep_t."balance", dupsweep_t."active", dupsweep_t."notes", dupsweep_t."updated_at"), ROW(CASE WHEN pg_catalog.substr(d."dupsweep_smask", 1, 1) = '1' THEN d."id" ELSE d."dupsweep_s0" END, CASE WHEN pg_catalog.substr(d."dupsweep_smask", 2, 1) = '1' THEN d."first_name" ELSE d."dupsweep_s1" END, CASE WHEN pg_catalog.substr(d."dupsweep_smask", 3, 1) = '1' THEN d."last_name" ELSE d."dupsweep_s2" END, CASE WHEN pg_catalog.substr(d."dupsweep_smask", 4, 1) = '1' THEN d."email" ELSE d."dupsweep_s3" END, CASE WHEN pg_catalog.substr(d."dupsweep_smask", 5, 1) = '1' THEN d."birth_date" ELSE d."dupsweep_s4" END, CASE WHEN pg_catalog.substr(d."dupsweep_smask", 6, 1) = '1' THEN d."grade" ELSE d."dupsweep_s5" END, CASE WHEN pg_catalog.substr(d."dupsweep_smask", 7, 1) = '1' THEN d."balance" ELSE d."dupsweep_s6" END, CASE WHEN pg_catalog.substr(d."dupsweep_smask", 8, 1) = '1' THEN d."active" ELSE d."dupsweep_s7" END, CASE WHEN pg_catalog.substr(d."dupsweep_smask", 9, 1) = '1' THEN d."notes" ELSE d."dupsweep_s8" END, CASE WHEN pg_catalog.substr(d."dupsweep_smask", 10, 1) = '1' THEN d."updated_at" ELSE d."dupsweep_s9" END)))
;
    IF dupsweep_n <> 0 THEN
      RAISE EXCEPTION 'dupsweep: batch 1: % of the 12 surviving rows no longer hold their dumped values; the table changed since the dump, nothing was deleted', dupsweep_n;
    END IF;
  ELSE
    SELECT count(*) INTO dupsweep_n FROM pg_temp."dupsweep_rows" d JOIN "students" dupsweep_t ON dupsweep_t."id" = d."id"
      WHERE d."dupsweep_chunk" = 1 AND pg_catalog.record_image_eq(ROW(dupsweep_t."id"), ROW(d."id"));
    IF dupsweep_n <> 0 THEN
      RAISE EXCEPTION 'dupsweep: batch 1: % rows to delete hold other values than in the dump; the table changed since the dump, nothing was deleted', dupsweep_n;
    END IF;
  END IF;
END
$dupsweep$;
DROP TABLE pg_temp."dupsweep_rows";
COMMIT;
