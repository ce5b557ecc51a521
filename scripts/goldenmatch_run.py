#!/usr/bin/env python3
"""GoldenMatch's zero-configuration deduplication of one labelled CSV, scored as dupsweep's
`eval` scores: pairwise precision, recall and F1 of the predicted groups against the truth
column, and the wall time of the matching (reading the file included).

    goldenmatch_run.py FILE --pk ID --truth entity_id [--json]

GoldenMatch gets the table without the truth column, told only to leave the primary key out of
the matching (`exclude_columns=[ID]`), which is what dupsweep is told with `--pk`; everything
else is its own automatic configuration (`goldenmatch.dedupe_df`). Its clusters name rows by
position (`__row_id__`, 0..n-1), which maps them back to the truth.
"""

import argparse
import json
import sys
import time
from collections import Counter


def pairs(sizes):
    return sum(n * (n - 1) // 2 for n in sizes)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("file")
    ap.add_argument("--pk", required=True)
    ap.add_argument("--truth", required=True)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()

    import goldenmatch as gm
    import polars as pl

    t0 = time.perf_counter()
    df = pl.read_csv(a.file, infer_schema=False)
    truth = df[a.truth].to_list()
    df = df.drop(a.truth)
    result = gm.dedupe_df(df, exclude_columns=[a.pk])
    clusters = [sorted(c["members"]) for c in result.clusters.values() if len(c["members"]) > 1]
    seconds = time.perf_counter() - t0

    # true pairs: rows sharing an entity; predicted: rows sharing a cluster; both: the pairs of
    # a cluster whose rows share an entity
    true_pairs = pairs(Counter(truth).values())
    predicted = sum(pairs([len(c)]) for c in clusters)
    correct = sum(pairs(Counter(truth[i] for i in c).values()) for c in clusters)
    precision = correct / predicted if predicted else 1.0
    recall = correct / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    out = {
        "tool": "goldenmatch " + gm.__version__,
        "records": len(truth),
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "predicted_pairs": predicted,
        "true_pairs": true_pairs,
        "seconds": seconds,
    }
    if a.json:
        print(json.dumps(out))
    else:
        for k, v in out.items():
            print(f"{k}: {v}")


if __name__ == "__main__":
    sys.exit(main())
