#!/usr/bin/env python3
"""Deduplicate one of scripts/eval_real.sh's labelled sets with Splink 5 on DuckDB, configured
by hand for that kind of data, and score it against the truth column.

    splink_real.py KIND FILE [--pk row_id] [--truth entity_id] [--json]

KIND is the kind of data, and with it the settings a user who looked at the data would choose:

  restaurants  name, addr, city, phone, type (lower-cased, punctuation dropped, phone digits):
               name Jaro-Winkler 0.95/0.88/0.7, address Jaro-Winkler 0.95/0.85, city exact
               (term frequencies), phone exact, type exact; blocking on phone, on the name's
               first four letters, and on city + the address's first five letters.
  citations    author, title, venue, year (Cora's columns; lower-cased, punctuation dropped):
               title and author as word arrays compared by shared words (at least 5/3/1
               for titles, 3/2/1 for authors), venue Jaro-Winkler 0.9/0.7, year exact;
               blocking on the title's first word pairs, on the first author word + year, and
               on the venue's first word + year.
  febrl        given_name, surname, date_of_birth (YYYYMMDD), soc_sec_id, street_number,
               address_1, suburb, postcode, state: NameComparison on both names, DateOfBirth-
               Comparison, soc_sec_id Levenshtein 1/2, address Jaro-Winkler, suburb Jaro-
               Winkler, postcode exact, state exact; blocking on soc_sec_id, on the birth date,
               on given name + surname, and on postcode + the surname's first letter.

  split-people fname_c1, lname_c1, by, bm, bd, street, postcode, city (eval_real.sh's
               persons_split sets): the birth date put together from its three columns;
               ForenameSurnameComparison, DateOfBirthComparison, street Jaro-Winkler 0.9/0.8,
               PostcodeComparison, city exact (term frequencies); blocking on first name +
               surname, surname + birth date, first name + birth date, postcode + first name.

Training for every kind: the prior from deterministic rules with an assumed recall of 0.7, u by
random sampling (1e7 pairs, seeded), m by expectation maximisation in two sessions chosen so
that every comparison is trained once; then predictions at 0.5 and connected components at 0.95
(Splink's examples). The truth column is never in the table Splink sees.

Output with --json, one line: {"tool":"splink","precision":..,"recall":..,"f1":..,
"true_pairs":..,"predicted_pairs":..,"seconds":..}; "seconds" covers importing Splink, loading,
training, predicting and clustering.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="splink_real.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("kind", choices=["restaurants", "citations", "febrl", "split-people"])
    ap.add_argument("file")
    ap.add_argument("--pk", default="row_id")
    ap.add_argument("--truth", default="entity_id")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    import duckdb
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    con = duckdb.connect()
    path = args.file.replace("'", "''")
    con.execute(f"""
        CREATE TABLE raw AS SELECT * FROM read_csv('{path}', header = true, all_varchar = true,
            quote = '"', escape = '"', strict_mode = false)
    """)
    con.execute(f'CREATE TABLE truth AS SELECT "{args.pk}" AS id, "{args.truth}" AS entity FROM raw')

    def clean(col: str) -> str:
        # lower case, accents and punctuation dropped, spaces collapsed; '' is NULL
        return (f"nullif(trim(regexp_replace(regexp_replace(lower(strip_accents(coalesce(\"{col}\", ''))), "
                f"'[^a-z0-9 ]', ' ', 'g'), '\\s+', ' ', 'g')), '')")

    if args.kind == "restaurants":
        con.execute(f"""
            CREATE TABLE t AS SELECT "{args.pk}" AS id, {clean('name')} AS name,
                {clean('addr')} AS addr, {clean('city')} AS city,
                nullif(regexp_replace(coalesce(phone, ''), '[^0-9]', '', 'g'), '') AS phone,
                {clean('type')} AS type
            FROM raw
        """)
        comparisons = [
            cl.JaroWinklerAtThresholds("name", [0.95, 0.88, 0.7]),
            cl.JaroWinklerAtThresholds("addr", [0.95, 0.85]),
            cl.ExactMatch("city").configure(term_frequency_adjustments=True),
            cl.ExactMatch("phone"),
            cl.ExactMatch("type"),
        ]
        blocking = [block_on("phone"), block_on("substr(name, 1, 4)"),
                    block_on("city", "substr(addr, 1, 5)")]
        prior_rules = [block_on("phone"), block_on("name", "city")]
        em_rules = [block_on("phone"), block_on("substr(name, 1, 4)", "city")]
    elif args.kind == "citations":
        con.execute(f"""
            CREATE TABLE t AS
            WITH c AS (SELECT "{args.pk}" AS id, {clean('author')} AS author,
                {clean('title')} AS title, {clean('venue')} AS venue,
                regexp_extract(coalesce(year, ''), '(19|20)[0-9][0-9]') AS y FROM raw)
            SELECT id, string_split(author, ' ') AS author_words,
                   string_split(title, ' ') AS title_words, venue, nullif(y, '') AS year,
                   nullif(array_to_string(string_split(title, ' ')[1:2], ' '), '') AS title_start,
                   nullif(string_split(author, ' ')[1], '') AS author_first,
                   nullif(string_split(venue, ' ')[1], '') AS venue_first
            FROM c
        """)
        comparisons = [
            cl.ArrayIntersectAtSizes("title_words", [5, 3, 1]),
            cl.ArrayIntersectAtSizes("author_words", [3, 2, 1]),
            cl.JaroWinklerAtThresholds("venue", [0.9, 0.7]),
            cl.ExactMatch("year"),
        ]
        blocking = [block_on("title_start"), block_on("author_first", "year"),
                    block_on("venue_first", "year")]
        prior_rules = [block_on("title_start", "year")]
        em_rules = [block_on("title_start"), block_on("author_first", "year")]
    elif args.kind == "split-people":
        con.execute(f"""
            CREATE TABLE t AS
            WITH p AS (SELECT "{args.pk}" AS id, {clean('fname_c1')} AS first_name,
                {clean('lname_c1')} AS last_name,
                strftime(try_strptime(concat_ws('-', "by", lpad("bm", 2, '0'), lpad("bd", 2, '0')),
                                      '%Y-%m-%d'), '%Y-%m-%d') AS birth_date,
                {clean('street')} AS street, upper(trim(postcode)) AS postcode,
                {clean('city')} AS city FROM raw)
            SELECT *, first_name || ' ' || last_name AS first_name_surname_concat FROM p
        """)
        comparisons = [
            cl.ForenameSurnameComparison(
                "first_name", "last_name",
                forename_surname_concat_col_name="first_name_surname_concat"),
            cl.DateOfBirthComparison("birth_date", input_is_string=True),
            cl.JaroWinklerAtThresholds("street", [0.9, 0.8]),
            cl.PostcodeComparison("postcode"),
            cl.ExactMatch("city").configure(term_frequency_adjustments=True),
        ]
        blocking = [block_on("first_name", "last_name"), block_on("last_name", "birth_date"),
                    block_on("first_name", "birth_date"), block_on("postcode", "first_name")]
        prior_rules = [block_on("first_name", "last_name", "birth_date")]
        em_rules = [block_on("birth_date"), block_on("first_name", "last_name")]
    else:
        con.execute(f"""
            CREATE TABLE t AS SELECT "{args.pk}" AS id, {clean('given_name')} AS given_name,
                {clean('surname')} AS surname,
                strftime(try_strptime(date_of_birth, '%Y%m%d'), '%Y-%m-%d') AS date_of_birth,
                {clean('soc_sec_id')} AS soc_sec_id, {clean('street_number')} AS street_number,
                {clean('address_1')} AS address_1, {clean('suburb')} AS suburb,
                {clean('postcode')} AS postcode, {clean('state')} AS state
            FROM raw
        """)
        comparisons = [
            cl.NameComparison("given_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True),
            cl.LevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.JaroWinklerAtThresholds("address_1", [0.9, 0.8]),
            cl.JaroWinklerAtThresholds("suburb", [0.9, 0.8]),
            cl.ExactMatch("postcode"),
            cl.ExactMatch("street_number"),
            cl.ExactMatch("state"),
        ]
        blocking = [block_on("soc_sec_id"), block_on("date_of_birth"),
                    block_on("given_name", "surname"),
                    block_on("postcode", "substr(surname, 1, 1)")]
        prior_rules = [block_on("soc_sec_id"), block_on("given_name", "surname", "date_of_birth")]
        em_rules = [block_on("soc_sec_id"), block_on("date_of_birth")]
    con.execute("DROP TABLE raw")

    db_api = DuckDBAPI(connection=con)
    df = db_api.register("t")
    settings = SettingsCreator(link_type="dedupe_only", unique_id_column_name="id",
                               comparisons=comparisons,
                               blocking_rules_to_generate_predictions=blocking,
                               retain_intermediate_calculation_columns=False)
    linker = Linker(df, settings, log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match(prior_rules, recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=42)
    for rule in em_rules:
        linker.training.estimate_parameters_using_expectation_maximisation(rule, max_pairs=2e7)
    pred = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        pred, threshold_match_probability=0.95)
    seconds = time.perf_counter() - t0

    ct = clusters.physical_name
    row = con.execute(f"""
        WITH j AS (SELECT c.cluster_id, t.entity FROM {ct} c JOIN truth t ON t.id = c.id),
        pc AS (SELECT count(*) AS n FROM j GROUP BY cluster_id),
        pe AS (SELECT count(*) AS n FROM j GROUP BY entity),
        pb AS (SELECT count(*) AS n FROM j GROUP BY cluster_id, entity)
        SELECT (SELECT coalesce(sum(n * (n - 1) // 2), 0) FROM pc),
               (SELECT coalesce(sum(n * (n - 1) // 2), 0) FROM pe),
               (SELECT coalesce(sum(n * (n - 1) // 2), 0) FROM pb)
    """).fetchone()
    predicted, true_pairs, tp = (int(x) for x in row)
    precision = tp / predicted if predicted else 1.0
    recall = tp / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    out = {"tool": "splink", "precision": round(precision, 6), "recall": round(recall, 6),
           "f1": round(f1, 6), "true_pairs": true_pairs, "predicted_pairs": predicted,
           "seconds": round(seconds, 3)}
    print(json.dumps(out) if args.json else "\n".join(f"{k:>16}: {v}" for k, v in out.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
