-- dupsweep 0.1.0: undo the deletion of duplicate rows from table students
-- puts back the 14 rows that students.postgres.sql deleted, with their dumped values
-- Every step checks its result; any difference stops the script and rolls the whole
-- transaction back. Running it twice changes nothing more.
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
-- the dumped rows, typed as the table's columns
CREATE TEMPORARY TABLE "dupsweep_rows" AS SELECT 0::int AS "dupsweep_chunk", ''::text AS "dupsweep_smask", ''::text AS "dupsweep_amask",
    "id", "first_name", "last_name", "email", "birth_date", "grade", "balance", "active", "notes", "updated_at" FROM "students" WITH NO DATA;
COPY pg_temp."dupsweep_rows" FROM stdin;
1	\N	\N	10	Elif	Haddad	elif.haddad2@school.example	2014-01-28	10	461.05	1		2026-01-19 09:21:00
1	\N	\N	32	Léa	Dupont	léa.dupont3@school.example	2009-05-14	11	167.50	0	tab\there	2026-06-18 09:30:00
1	\N	\N	58	Amina	Jensen	amina.jensen56@school.example	2014-03-01	10	118.00	0		2026-03-18 07:24:00
1	\N	\N	84	Liam	Haddad	liam.haddad81@school.example	2011-03-21	10	372.05	1	/* not a comment */ -- nor this	2026-01-25 08:43:00
1	\N	\N	92	Liam	Okafor	liam.okafor53@school.example	2011-11-05	1	286.50	0		2026-04-18 05:18:00
1	\N	\N	94	Liam	Haddad	liam.haddad81@school.example	2011-03-21	10	372.05	1	/* not a comment */ -- nor this	2026-10-11 12:00:00
1	\N	\N	100	zoe	García	zoe.garcía54@school.example	2013-05-24	7	211.05	0	$dupsweep$ dollar $$ quoting	2026-02-16 02:38:00
1	\N	\N	105	Yusuf	Smith	yusuf.smith97@school.example	2012-04-03	6	356.50	0		2026-05-15 00:13:00
1	\N	\N	108	zoe	García	zoe.garcía54@school.example	2013-05-24	7	211.05	0	$dupsweep$ dollar $$ quoting	2026-02-16 02:38:00
1	\N	\N	114	Omar	Haddad	omar.haddad105@school.example	2010-08-06	10	218.99	0	/* not a comment */ -- nor this	2026-02-21 03:43:00
1	\N	\N	125	Priya	Haddad	priya.haddad58@school.example	2013-06-13	12	142.05	0		2026-04-26 01:11:00
1	\N	\N	128	Elif	Ivanova	elif.ivanova55@school.example	2008-05-11	9	318.99	1	\N	2026-03-21 00:16:00
1	\N	\N	130	Ngozi	Silva	ngozi.silva117@school.example	2009-03-20	9	4.99	0	/* not a comment */ -- nor this	2026-06-19 08:58:00
1	\N	\N	136	Zoë	Ng	z.ng@school.example	2012-02-02	7	1.50	1		2026-01-01 00:00:00
\.
CREATE INDEX ON pg_temp."dupsweep_rows" ("dupsweep_chunk");
ANALYZE pg_temp."dupsweep_rows" ("dupsweep_chunk");
DO $dupsweep$
#variable_conflict use_column
DECLARE
  dupsweep_n bigint;
  dupsweep_ok boolean;
BEGIN
  -- undo batch 1 of 1: 14 rows
  SET LOCAL enable_hashjoin = off;
  SET LOCAL enable_mergejoin = off;
  INSERT INTO "students" ("id", "first_name", "last_name", "email", "birth_date", "grade", "balance", "active", "notes", "updated_at") SELECT d."id", d."first_name", d."last_name", d."email", d."birth_date", d."grade", d."balance", d."active", d."notes", d."updated_at" FROM pg_temp."dupsweep_rows" d
    WHERE d."dupsweep_chunk" = 1 AND NOT EXISTS (SELECT 1 FROM "students" dupsweep_t WHERE dupsweep_t."id" = d."id");
  SELECT count(*) INTO dupsweep_n FROM pg_temp."dupsweep_rows" d JOIN "students" dupsweep_t ON dupsweep_t."id" = d."id"
    WHERE d."dupsweep_chunk" = 1 AND pg_catalog.record_image_eq(ROW(dupsweep_t."id", dupsweep_t."first_name", dupsweep_t."last_name", dupsweep_t."email", dupsweep_t."birth_date", dupsweep_t."grade", dupsweep_t."balance", dupsweep_t."active", dupsweep_t."notes", dupsweep_t."updated_at"), ROW(d."id", d."first_name", d."last_name", d."email", d."birth_date", d."grade", d."balance", d."active", d."notes", d."updated_at"));
  IF dupsweep_n <> 14 THEN
    RAISE EXCEPTION 'dupsweep: undo batch 1: % of the 14 rows hold their dumped values; the table changed since the change script ran, nothing was changed', dupsweep_n;
  END IF;
END
$dupsweep$;
DROP TABLE pg_temp."dupsweep_rows";
COMMIT;
