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
CREATE TEMPORARY TABLE "dupsweep_rows" AS SELECT 0::int AS "dupsweep_chunk", ''::text AS "dupsweep_role", 0::bigint AS "dupsweep_item", 0::bigint AS "dupsweep_ref", ''::text AS "dupsweep_mask",
    "id", "first_name", "last_name", "email", "birth_date", "grade", "balance", "active", "notes", "updated_at" FROM "students" WITH NO DATA;
COPY pg_temp."dupsweep_rows" FROM stdin;
1	d	1	\N	\N	10	Elif	Haddad	elif.haddad2@school.example	2014-01-28	10	461.05	1		2026-01-19 09:21:00
1	d	2	\N	\N	32	Léa	Dupont	léa.dupont3@school.example	2009-05-14	11	167.50	0	tab\there	2026-06-18 09:30:00
1	d	3	\N	\N	58	Amina	Jensen	amina.jensen56@school.example	2014-03-01	10	118.00	0		2026-03-18 07:24:00
1	d	4	\N	\N	84	Liam	Haddad	liam.haddad81@school.example	2011-03-21	10	372.05	1	/* not a comment */ -- nor this	2026-01-25 08:43:00
1	d	5	\N	\N	92	Liam	Okafor	liam.okafor53@school.example	2011-11-05	1	286.50	0		2026-04-18 05:18:00
1	d	6	\N	\N	94	Liam	Haddad	liam.haddad81@school.example	2011-03-21	10	372.05	1	/* not a comment */ -- nor this	2026-10-11 12:00:00
1	d	7	\N	\N	100	zoe	García	zoe.garcía54@school.example	2013-05-24	7	211.05	0	$dupsweep$ dollar $$ quoting	2026-02-16 02:38:00
1	d	8	\N	\N	105	Yusuf	Smith	yusuf.smith97@school.example	2012-04-03	6	356.50	0		2026-05-15 00:13:00
1	d	9	\N	\N	108	zoe	García	zoe.garcía54@school.example	2013-05-24	7	211.05	0	$dupsweep$ dollar $$ quoting	2026-02-16 02:38:00
1	d	10	\N	\N	114	Omar	Haddad	omar.haddad105@school.example	2010-08-06	10	218.99	0	/* not a comment */ -- nor this	2026-02-21 03:43:00
1	d	11	\N	\N	125	Priya	Haddad	priya.haddad58@school.example	2013-06-13	12	142.05	0		2026-04-26 01:11:00
1	d	12	\N	\N	128	Elif	Ivanova	elif.ivanova55@school.example	2008-05-11	9	318.99	1	\N	2026-03-21 00:16:00
1	d	13	\N	\N	130	Ngozi	Silva	ngozi.silva117@school.example	2009-03-20	9	4.99	0	/* not a comment */ -- nor this	2026-06-19 08:58:00
1	d	14	\N	\N	136	Zoë	Ng	z.ng@school.example	2012-02-02	7	1.50	1		2026-01-01 00:00:00
1	s	15	1	0111111111	2	\N	\N	\N	\N	\N	\N	\N	\N	\N
1	s	16	2	0111111111	3	\N	\N	\N	\N	\N	\N	\N	\N	\N
1	s	17	3	0111111110	61	\N	\N	\N	\N	\N	\N	\N	\N	2026-10-19 12:00:00
1	s	18	4	0111111110	88	\N	\N	\N	\N	\N	\N	\N	\N	2026-10-11 12:00:00
1	s	19	5	0111111111	55	\N	\N	\N	\N	\N	\N	\N	\N	\N
1	s	20	7	0111111111	56	\N	\N	\N	\N	\N	\N	\N	\N	\N
1	s	21	8	0111111111	104	\N	\N	\N	\N	\N	\N	\N	\N	\N
1	s	22	10	0111111110	119	\N	\N	\N	\N	\N	\N	\N	\N	2026-10-15 12:00:00
1	s	23	11	0111111111	60	\N	\N	\N	\N	\N	\N	\N	\N	\N
1	s	24	12	0111111111	57	\N	\N	\N	\N	\N	\N	\N	\N	\N
1	s	25	13	0111111111	127	\N	\N	\N	\N	\N	\N	\N	\N	\N
1	s	26	14	0111111111	134	\N	\N	\N	\N	\N	\N	\N	\N	\N
\.
CREATE INDEX ON pg_temp."dupsweep_rows" ("dupsweep_chunk", "dupsweep_role");
CREATE INDEX ON pg_temp."dupsweep_rows" ("dupsweep_item");
ANALYZE pg_temp."dupsweep_rows";
DO $dupsweep$
#variable_conflict use_column
DECLARE
  dupsweep_n bigint;
  dupsweep_ok boolean;
BEGIN
  -- batch 1 of 1: 14 rows
  SET LOCAL enable_hashjoin = off;
  SET LOCAL enable_mergejoin = off;
  SELECT count(*) INTO dupsweep_n FROM pg_temp."dupsweep_rows" s JOIN pg_temp."dupsweep_rows" d ON d."dupsweep_item" = s."dupsweep_ref"
    WHERE s."dupsweep_chunk" = 1 AND s."dupsweep_role" = 's'
    AND NOT EXISTS (SELECT 1 FROM "students" dupsweep_t WHERE dupsweep_t."id" = CASE WHEN pg_catalog.substr(s."dupsweep_mask", 1, 1) = '1' THEN d."id" ELSE s."id" END
      AND pg_catalog.record_image_eq(ROW(dupsweep_t."id", dupsweep_t."first_name", dupsweep_t."last_name", dupsweep_t."email", dupsweep_t."birth_date", dupsweep_t."grade", dupsweep_t."balance", dupsweep_t."active", dupsweep_t."notes", dupsweep_t."updated_at"), ROW(CASE WHEN pg_catalog.substr(s."dupsweep_mask", 1, 1) = '1' THEN d."id" ELSE s."id" END, CASE WHEN pg_catalog.substr(s."dupsweep_mask", 2, 1) = '1' THEN d."first_name" ELSE s."first_name" END, CASE WHEN pg_catalog.substr(s."dupsweep_mask", 3, 1) = '1' THEN d."last_name" ELSE s."last_name" END, CASE WHEN pg_catalog.substr(s."dupsweep_mask", 4, 1) = '1' THEN d."email" ELSE s."email" END, CASE WHEN pg_catalog.substr(s."dupsweep_mask", 5, 1) = '1' THEN d."birth_date" ELSE s."birth_date" END, CASE WHEN pg_catalog.substr(s."dupsweep_mask", 6, 1) = '1' THEN d."grade" ELSE s."grade" END, CASE WHEN pg_catalog.substr(s."dupsweep_mask", 7, 1) = '1' THEN d."balance" ELSE s."balance" END, CASE WHEN pg_catalog.substr(s."dupsweep_mask", 8, 1) = '1' THEN d."active" ELSE s."active" END, CASE WHEN pg_catalog.substr(s."dupsweep_mask", 9, 1) = '1' THEN d."notes" ELSE s."notes" END, CASE WHEN pg_catalog.substr(s."dupsweep_mask", 10, 1) = '1' THEN d."updated_at" ELSE s."updated_at" END)));
  IF dupsweep_n <> 0 THEN
    RAISE EXCEPTION 'dupsweep: batch 1: % of the 12 surviving rows no longer hold their dumped values; the table changed since the dump, nothing was deleted', dupsweep_n;
  END IF;
  DELETE FROM "students" dupsweep_t USING pg_temp."dupsweep_rows" d
    WHERE d."dupsweep_chunk" = 1 AND d."dupsweep_role" = 'd' AND dupsweep_t."id" = d."id"
    AND pg_catalog.record_image_eq(ROW(dupsweep_t."id", dupsweep_t."first_name", dupsweep_t."last_name", dupsweep_t."email", dupsweep_t."birth_date", dupsweep_t."grade", dupsweep_t."balance", dupsweep_t."active", dupsweep_t."notes", dupsweep_t."updated_at"), ROW(d."id", d."first_name", d."last_name", d."email", d."birth_date", d."grade", d."balance", d."active", d."notes", d."updated_at"));
  GET DIAGNOSTICS dupsweep_n = ROW_COUNT;
  IF dupsweep_n NOT IN (0, 14) THEN
    RAISE EXCEPTION 'dupsweep: batch 1: % rows matched, expected 14 (or 0 when already applied); the table changed since the dump, nothing was deleted', dupsweep_n;
  END IF;
  SELECT count(*) INTO dupsweep_n FROM pg_temp."dupsweep_rows" d JOIN "students" dupsweep_t ON dupsweep_t."id" = d."id"
    WHERE d."dupsweep_chunk" = 1 AND d."dupsweep_role" = 'd' AND pg_catalog.record_image_eq(ROW(dupsweep_t."id"), ROW(d."id"));
  IF dupsweep_n <> 0 THEN
    RAISE EXCEPTION 'dupsweep: batch 1: % rows to delete hold other values than in the dump; the table changed since the dump, nothing was deleted', dupsweep_n;
  END IF;
END
$dupsweep$;
DROP TABLE pg_temp."dupsweep_rows";
COMMIT;
