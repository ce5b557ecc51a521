#!/usr/bin/env python3
"""Deduplicate a people CSV (scripts/gen_people.py) with Splink 5 on DuckDB and score it.

    splink_run.py FILE [--truth entity_id] [--json] [--cluster-threshold 0.95]

Splink's documented unsupervised workflow, configured by hand the way a competent user would:

  1. load the CSV into DuckDB (all columns as text) and standardise it, as any Splink user has
     to: names lower-cased, accents stripped, whitespace collapsed; birth dates parsed from
     YYYY-MM-DD, DD/MM/YYYY or YYYY/MM/DD to ISO (null when unparseable); e-mail lower-cased;
     phone reduced to its digits with +44 turned into a leading 0; postcode upper-cased with
     single spaces; city lower-cased. Empty strings become NULL. The truth column is NOT part
     of the table Splink sees; it is kept aside for scoring only.
  2. model: ForenameSurnameComparison (with term frequencies on the full name), DateOfBirth-
     Comparison, EmailComparison, ExactMatch on phone digits, PostcodeComparison, ExactMatch on
     city with term frequencies.
  3. training: probability_two_random_records_match from deterministic rules (name + birth
     date, or e-mail) with an assumed recall of 0.7; u by random sampling (1e7 pairs, seeded);
     m by expectation maximisation in two sessions (blocking on e-mail, then on first name +
     last name + birth date), so every comparison gets m estimated at least once. (Splink's
     examples block EM on first+last name and on birth date; on this data that session learns
     "same name" rather than "same person" at 100k rows, m(exact birth date) = 0.6, which a
     user looking at the m/u chart would reject.)
  4. predict with blocking rules on name pairs, name + birth date, e-mail, phone and postcode +
     first name, keeping pairs at match probability >= 0.5 (a cheap filter; the decision is
     taken by the clustering threshold), then connected-components clustering at 0.95 (the
     threshold of Splink's own examples: a pair is linked when the model is 95% sure).

Scoring (not timed): pairwise precision/recall/F1 of the clusters against the truth column:
pairs within predicted clusters vs pairs within true entities, counted from group sizes
n*(n-1)/2, the intersection from the (cluster, entity) groups.

Output with --json, one line on stdout:
  {"tool":"splink","precision":..,"recall":..,"f1":..,"true_pairs":..,"predicted_pairs":..,
   "true_positive_pairs":..,"rows":..,"clusters":..,"seconds":..}
"seconds" is the wall time of steps 1-4 (importing Splink, loading the CSV ... clustering).
Splink's own log goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="splink_run.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("file", help="CSV written by scripts/gen_people.py (.csv or .csv.gz)")
    ap.add_argument("--truth", default="entity_id", help="ground-truth column (scoring only)")
    ap.add_argument("--pk", default="id", help="unique id column (default id)")
    ap.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    ap.add_argument("--predict-threshold", type=float, default=0.5)
    ap.add_argument("--cluster-threshold", type=float, default=0.95)
    ap.add_argument("--u-max-pairs", type=float, default=1e7)
    ap.add_argument("--recall", type=float, default=0.7,
                    help="assumed recall of the deterministic rules (prior estimate)")
    ap.add_argument("--quiet", action="store_true", help="Splink logs warnings only")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    import duckdb
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    con = duckdb.connect()
    path = args.file.replace("'", "''")
    pk = args.pk
    truth = args.truth

    # 1. load and standardise ---------------------------------------------------------------
    con.execute(f"""
        CREATE TABLE raw AS
        SELECT * FROM read_csv('{path}', header = true, all_varchar = true,
                               quote = '"', escape = '"', strict_mode = false)
    """)
    cols = [r[0] for r in con.execute("DESCRIBE raw").fetchall()]
    for needed in (pk, truth, "first_name", "last_name", "birth_date", "email", "phone",
                   "postcode", "city"):
        if needed not in cols:
            raise SystemExit(f"splink_run: column {needed!r} not in {args.file}")

    def text(col: str) -> str:
        return f"nullif(regexp_replace(trim(\"{col}\"), '\\s+', ' ', 'g'), '')"

    def name(col: str) -> str:
        return f"nullif(lower(strip_accents({text(col)})), '')"

    con.execute(f"""
        CREATE TABLE truth AS SELECT CAST("{pk}" AS BIGINT) AS id, "{truth}" AS entity
        FROM raw
    """)
    con.execute(f"""
        CREATE TABLE people AS
        WITH t AS (
            SELECT CAST("{pk}" AS BIGINT) AS id,
                   {name("first_name")} AS first_name,
                   {name("last_name")} AS last_name,
                   {text("birth_date")} AS dob_raw,
                   lower({text("email")}) AS email,
                   nullif(regexp_replace(coalesce(phone, ''), '[^0-9]', '', 'g'), '') AS phone_digits,
                   upper({text("postcode")}) AS postcode,
                   lower({text("city")}) AS city
            FROM raw
        )
        SELECT id, first_name, last_name,
               first_name || ' ' || last_name AS first_name_surname_concat,
               strftime(coalesce(try_strptime(dob_raw, '%Y-%m-%d'),
                                 try_strptime(dob_raw, '%d/%m/%Y'),
                                 try_strptime(dob_raw, '%Y/%m/%d')), '%Y-%m-%d') AS birth_date,
               email,
               CASE WHEN phone_digits LIKE '44%' THEN '0' || substr(phone_digits, 3)
                    ELSE phone_digits END AS phone,
               postcode, city
        FROM t
    """)
    con.execute("DROP TABLE raw")

    db_api = DuckDBAPI(connection=con)
    df = db_api.register("people")  # the truth column is not in this table

    # 2. model ----------------------------------------------------------------------------
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="id",
        comparisons=[
            cl.ForenameSurnameComparison(
                "first_name", "last_name",
                forename_surname_concat_col_name="first_name_surname_concat"),
            cl.DateOfBirthComparison("birth_date", input_is_string=True),
            cl.EmailComparison("email"),
            cl.ExactMatch("phone"),
            cl.PostcodeComparison("postcode"),
            cl.ExactMatch("city").configure(term_frequency_adjustments=True),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "last_name"),
            block_on("last_name", "birth_date"),
            block_on("first_name", "birth_date"),
            block_on("email"),
            block_on("phone"),
            block_on("postcode", "first_name"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(df, settings, log_level=logging.WARNING if args.quiet else logging.INFO)

    # 3. training -------------------------------------------------------------------------
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "last_name", "birth_date"), block_on("email")],
        recall=args.recall,
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=args.u_max_pairs, seed=42)
    # EM blocked on e-mail (trains names, birth date, phone, postcode, city), then on full name
    # + birth date (trains e-mail). Blocking on first+last name alone, as in Splink's examples,
    # lets EM lock onto "same name" instead of "same person" here (namesakes and their
    # name-derived e-mail usernames): at 100k rows it learnt m(exact birth date) = 0.6, which
    # no user would accept.
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("email"), max_pairs=2e7)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("first_name", "last_name", "birth_date"), max_pairs=2e7)

    # 4. predict and cluster --------------------------------------------------------------
    pred = linker.inference.predict(threshold_match_probability=args.predict_threshold)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        pred, threshold_match_probability=args.cluster_threshold)
    seconds = time.perf_counter() - t0

    # scoring (not timed) -----------------------------------------------------------------
    ct = clusters.physical_name
    row = con.execute(f"""
        WITH j AS (
            SELECT c.cluster_id, t.entity FROM {ct} c JOIN truth t ON t.id = c.id
        ),
        pc AS (SELECT count(*) AS n FROM j GROUP BY cluster_id),
        pe AS (SELECT count(*) AS n FROM j GROUP BY entity),
        pb AS (SELECT count(*) AS n FROM j GROUP BY cluster_id, entity)
        SELECT (SELECT count(*) FROM j),
               (SELECT count(*) FROM pc),
               (SELECT coalesce(sum(n * (n - 1) // 2), 0) FROM pc),
               (SELECT coalesce(sum(n * (n - 1) // 2), 0) FROM pe),
               (SELECT coalesce(sum(n * (n - 1) // 2), 0) FROM pb)
    """).fetchone()
    rows, n_clusters, predicted, true_pairs, tp = (int(x) for x in row)
    precision = tp / predicted if predicted else 1.0
    recall = tp / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    out = {
        "tool": "splink",
        "precision": round(precision, 6),
        "recall": round(recall, 6),
        "f1": round(f1, 6),
        "true_pairs": true_pairs,
        "predicted_pairs": predicted,
        "true_positive_pairs": tp,
        "rows": rows,
        "clusters": n_clusters,
        "seconds": round(seconds, 3),
    }
    if args.json:
        print(json.dumps(out))
    else:
        for k, v in out.items():
            print(f"{k:>20}: {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
