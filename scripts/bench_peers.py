#!/usr/bin/env python3
"""The benchmark job done with the tools users would otherwise use.

    python bench_peers.py TOOL INPUT OUTDIR

TOOL: duckdb, polars-streaming, polars-eager. DUCKDB_MEMORY_LIMIT (e.g. 480MB), when set, is
DuckDB's memory_limit (it spills to disk beyond it). The job: rows equal in every column but `id`
are duplicates; the row with the smallest id stays. Writes OUTDIR/cleaned.(csv|parquet), the
table without its duplicates (in the input's format), and OUTDIR/removed_ids.txt, the removed
ids, one per line, sorted numerically (for the cross-check).
CSV is read as text (no type inference), as dupsweep compares it.
"""
import os
import sys

KEY = ["first_name", "last_name", "email", "birth_date", "grade", "balance", "active", "notes",
       "updated_at"]


def write_ids(path, ids):
    ids = sorted(int(i) for i in ids)
    with open(path, "w") as f:
        f.write("\n".join(str(i) for i in ids))
        f.write("\n")


def duckdb_job(inp, out, parquet):
    import duckdb
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    if os.environ.get("DUCKDB_MEMORY_LIMIT"):
        con.execute(f"SET memory_limit = '{os.environ['DUCKDB_MEMORY_LIMIT']}'")
    if parquet:
        src = f"read_parquet('{inp}')"
    else:
        src = f"read_csv('{inp}', all_varchar = true, header = true)"
    keys = ", ".join(f'"{k}"' for k in KEY)
    con.execute(
        f"CREATE TEMP TABLE ranked AS SELECT *, row_number() OVER (PARTITION BY {keys} "
        f"ORDER BY CAST(id AS BIGINT)) AS dupsweep_rn FROM {src}"
    )
    cleaned = os.path.join(out, "cleaned.parquet" if parquet else "cleaned.csv")
    fmt = "(FORMAT parquet)" if parquet else "(FORMAT csv, HEADER true)"
    con.execute(
        f"COPY (SELECT * EXCLUDE (dupsweep_rn) FROM ranked WHERE dupsweep_rn = 1) TO '{cleaned}' {fmt}"
    )
    ids = [r[0] for r in con.execute("SELECT id FROM ranked WHERE dupsweep_rn > 1").fetchall()]
    write_ids(os.path.join(out, "removed_ids.txt"), ids)


def polars_job(inp, out, parquet, streaming):
    import polars as pl
    if parquet:
        lf = pl.scan_parquet(inp)
    else:
        lf = pl.scan_csv(inp, infer_schema=False)
    idn = pl.col("id").cast(pl.Int64)
    # the smallest id of each key stays (group_by puts NULLs of a key column together)
    keep = lf.group_by(KEY).agg(idn.min().alias("dupsweep_id"))
    kept = lf.join(keep, left_on=idn, right_on="dupsweep_id", how="semi")
    removed = lf.join(keep, left_on=idn, right_on="dupsweep_id", how="anti").select("id")
    cleaned = os.path.join(out, "cleaned.parquet" if parquet else "cleaned.csv")
    engine = "streaming" if streaming else "in-memory"
    if streaming:
        if parquet:
            kept.sink_parquet(cleaned, engine="streaming")
        else:
            kept.sink_csv(cleaned, engine="streaming")
        ids = removed.collect(engine=engine)
    else:
        # one read of the file, as a notebook would do
        df = lf.collect(engine=engine)
        keep_df = df.lazy().group_by(KEY).agg(idn.min().alias("dupsweep_id"))
        kept_df = df.lazy().join(keep_df, left_on=idn, right_on="dupsweep_id", how="semi").collect()
        if parquet:
            kept_df.write_parquet(cleaned)
        else:
            kept_df.write_csv(cleaned)
        ids = df.lazy().join(keep_df, left_on=idn, right_on="dupsweep_id", how="anti").select("id").collect()
    write_ids(os.path.join(out, "removed_ids.txt"), ids["id"].to_list())


def main():
    tool, inp, out = sys.argv[1:4]
    os.makedirs(out, exist_ok=True)
    parquet = inp.endswith(".parquet")
    if tool == "duckdb":
        duckdb_job(inp, out, parquet)
    elif tool == "polars-streaming":
        polars_job(inp, out, parquet, True)
    elif tool == "polars-eager":
        polars_job(inp, out, parquet, False)
    else:
        sys.exit(f"unknown tool {tool}")


if __name__ == "__main__":
    main()
