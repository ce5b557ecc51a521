#!/usr/bin/env python3
"""Writes testdata/tz/events.parquet with pyarrow (pip install pyarrow): timestamps with a time
zone as other tools write them (`timestamp[us, tz=UTC]`, `timestamp[us, tz=Europe/Paris]`),
which dupsweep must read and write into SQL as UTC instants. Deterministic."""
import datetime
import pathlib

import pyarrow as pa
import pyarrow.parquet as pq

UTC = datetime.timezone.utc
rows = [
    # id, at (UTC), local (Europe/Paris, stored as its UTC instant), what
    (1, datetime.datetime(2024, 1, 5, 10, 0, 0, tzinfo=UTC), datetime.datetime(2024, 7, 1, 22, 30, 0, tzinfo=UTC), "signup"),
    (2, datetime.datetime(2024, 1, 5, 10, 0, 0, tzinfo=UTC), datetime.datetime(2024, 7, 1, 22, 30, 0, tzinfo=UTC), "signup"),
    (3, datetime.datetime(2024, 1, 5, 10, 0, 0, 250000, tzinfo=UTC), None, "login"),
    (4, None, datetime.datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC), "login"),
    (5, datetime.datetime(2024, 1, 5, 10, 0, 0, 250000, tzinfo=UTC), None, "login"),
    (6, None, datetime.datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC), "login"),
    (7, datetime.datetime(1969, 7, 20, 20, 17, 40, tzinfo=UTC), None, "landing"),
]
table = pa.table(
    {
        "id": pa.array([r[0] for r in rows], pa.int64()),
        "at": pa.array([r[1] for r in rows], pa.timestamp("us", tz="UTC")),
        "local": pa.array([r[2] for r in rows], pa.timestamp("us", tz="Europe/Paris")),
        "what": pa.array([r[3] for r in rows], pa.string()),
    }
)
out = pathlib.Path(__file__).resolve().parent.parent / "testdata" / "tz" / "events.parquet"
pq.write_table(table, out)
print(f"wrote {out}")
