#!/usr/bin/env python3
"""Helpers of scripts/bench_replay.sh (standard library only): read the students CSV dumps
faithfully (an unquoted empty field is NULL, "" the empty string; quoted fields may hold
commas, quotes and newlines), convert them for the servers' loaders, and compare a live table
with a CSV file through each server's own command-line client.

    bench_replay.py canon CSV OUT [--removed-ids IDS]   the CSV's rows in canonical form, one a
                        line sorted by id ("id<TAB>json"); with --removed-ids, also the ids a
                        reference deduplication removes (rows equal in every column but id,
                        the smallest id stays), and OUT.cleaned: the rows it keeps
    bench_replay.py ids CSV OUT                  the first column's values (ids), sorted
    bench_replay.py tsv CSV OUT                  MariaDB LOAD DATA input: tab-separated, \\N for
                        NULL, backslash escapes for tab, newline, CR, NUL and backslash, booleans 1/0
    bench_replay.py sqlite-load CSV DB TABLE DDL       creates TABLE with DDL (a CREATE TABLE
                        statement) in the SQLite file DB and inserts the rows as text (NULL for
                        NULL), so the column affinities convert them as a text literal would be
    bench_replay.py check SERVER TABLE CANON [--db NAME_OR_FILE]   dumps TABLE ordered by id with
                        the server's client (postgres: psql COPY TO STDOUT; mysql: mariadb -N -B
                        with text columns in hex; sqlite: sqlite3 with typeof and hex), normalises
                        every value as canon does and compares it with CANON. Prints "yes (N
                        rows)" or "NO: ..." and exits 0 or 1
"""
import json
import os
import re
import sqlite3
import subprocess
import sys
from decimal import Decimal, InvalidOperation

COLUMNS = ["id", "first_name", "last_name", "email", "birth_date", "grade", "balance",
           "active", "notes", "updated_at"]
# the kind of each column, for normalising the text forms of the CSV and of each server
KINDS = ["int", "text", "text", "text", "date", "int", "decimal", "bool", "text", "timestamp"]
TEXT_COLS = [i for i, k in enumerate(KINDS) if k == "text"]
BOOL_COL = KINDS.index("bool")

QUOTED = re.compile(r'"([^"]*(?:""[^"]*)*)"')


class CsvError(Exception):
    pass


def split_record(s, recno):
    """The fields of one record (its text without the line end): None for an unquoted empty
    field, the unquoted text of a quoted one."""
    if '"' not in s:
        return [v if v else None for v in s.split(",")]
    out = []
    pos, n = 0, len(s)
    while True:
        if pos < n and s[pos] == '"':
            m = QUOTED.match(s, pos)
            if not m:
                raise CsvError(f"record {recno}: unterminated quoted field")
            out.append(m.group(1).replace('""', '"'))
            pos = m.end()
        else:
            j = s.find(",", pos)
            if j < 0:
                j = n
            v = s[pos:j]
            if '"' in v:
                raise CsvError(f"record {recno}: a quote inside an unquoted field")
            out.append(v if v else None)
            pos = j
        if pos == n:
            return out
        if s[pos] != ",":
            raise CsvError(f"record {recno}: text after a closing quote")
        pos += 1


def records(path):
    """(header, iterator of field lists) of a CSV file (UTF-8, optional BOM, LF or CRLF)."""
    f = open(path, encoding="utf-8-sig", newline="")

    def gen():
        recno = 0
        pending = None
        quotes = 0
        with f:
            for line in f:
                if pending is None:
                    pending, quotes = line, line.count('"')
                else:
                    pending += line
                    quotes += line.count('"')
                if quotes % 2:
                    continue  # a quoted field goes on over the line end
                rec = pending
                pending = None
                if rec.endswith("\n"):
                    rec = rec[:-1]
                if rec.endswith("\r"):
                    rec = rec[:-1]
                recno += 1
                yield split_record(rec, recno)
            if pending is not None:
                raise CsvError(f"record {recno + 1}: unterminated quoted field at the end of the file")

    it = gen()
    header = next(it)
    return header, it


# ---- normalisation: one text form per value, whoever wrote it ----

TS_FRACTION = re.compile(r"\.0*$")


def norm(i, v):
    if v is None:
        return None
    k = KINDS[i]
    if k == "text":
        return v
    try:
        if k == "int":
            return str(int(v))
        if k == "decimal":
            d = Decimal(v)
            q = d.quantize(Decimal("0.01"))
            return str(q) if q == d else str(d.normalize())
        if k == "bool":
            t = v.strip().lower()
            if t in ("1", "t", "true", "y", "yes", "on"):
                return "true"
            if t in ("0", "f", "false", "n", "no", "off"):
                return "false"
            return "<not a boolean>" + v
        if k == "date":
            return v.strip()
        if k == "timestamp":
            t = v.strip().replace("T", " ")
            if "." in t:
                t = TS_FRACTION.sub("", t)  # 10:00:00.000000 is 10:00:00
                t = t.rstrip("0") if "." in t else t
            return t
    except (ValueError, InvalidOperation):
        return f"<not a {k}>" + v
    return v


def canon_line(vals):
    row = [norm(i, v) for i, v in enumerate(vals)]
    return f"{row[0]}\t{json.dumps(row, ensure_ascii=False)}"


def check_header(header, path):
    if header != COLUMNS:
        raise CsvError(f"{path}: the columns are {header}, not {COLUMNS}")


def cmd_canon(args):
    src, out = args[0], args[1]
    removed_out = args[args.index("--removed-ids") + 1] if "--removed-ids" in args else None
    header, recs = records(src)
    check_header(header, src)
    rows = []
    first_of = {}  # the values but id -> the smallest id with them
    removed = []
    for vals in recs:
        if len(vals) != len(COLUMNS):
            raise CsvError(f"{src}: a record with {len(vals)} fields: {vals[:3]}…")
        i = int(vals[0])
        rows.append((i, canon_line(vals)))
        if removed_out is not None:
            key = tuple(vals[1:])
            j = first_of.get(key)
            if j is None:
                first_of[key] = i
            elif i < j:
                removed.append(j)
                first_of[key] = i
            else:
                removed.append(i)
    rows.sort()
    ids = [i for i, _ in rows]
    if len(set(ids)) != len(ids):
        raise CsvError(f"{src}: the ids are not unique")
    with open(out, "w", encoding="utf-8") as f:
        for _, line in rows:
            f.write(line + "\n")
    if removed_out is not None:
        removed.sort()
        gone = set(removed)
        with open(removed_out, "w") as f:
            f.write("".join(f"{i}\n" for i in removed))
        with open(out + ".cleaned", "w", encoding="utf-8") as f:
            for i, line in rows:
                if i not in gone:
                    f.write(line + "\n")
        print(f"{len(rows)} rows, {len(removed)} duplicates (reference deduplication)")
    else:
        print(f"{len(rows)} rows")


def cmd_ids(args):
    src, out = args
    header, recs = records(src)
    ids = sorted(int(v[0]) for v in recs)
    with open(out, "w") as f:
        f.write("".join(f"{i}\n" for i in ids))
    print(f"{len(ids)} ids")


TSV_ESC = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\0": "\\0"})


def cmd_tsv(args):
    src, out = args
    header, recs = records(src)
    check_header(header, src)
    n = 0
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        buf = []
        for vals in recs:
            cells = []
            for i, v in enumerate(vals):
                if v is None:
                    cells.append("\\N")
                elif i == BOOL_COL:
                    b = norm(i, v)
                    cells.append("1" if b == "true" else "0" if b == "false" else v.translate(TSV_ESC))
                else:
                    cells.append(v.translate(TSV_ESC))
            buf.append("\t".join(cells))
            n += 1
            if len(buf) >= 50000:
                f.write("\n".join(buf) + "\n")
                buf.clear()
        if buf:
            f.write("\n".join(buf) + "\n")
    print(f"{n} rows")


def cmd_sqlite_load(args):
    src, db, table, ddl = args
    header, recs = records(src)
    check_header(header, src)
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("BEGIN")
    con.execute(ddl)
    q = '"' + table.replace('"', '""') + '"'
    sql = f"INSERT INTO {q} VALUES ({', '.join('?' * len(COLUMNS))})"
    n = 0
    batch = []
    for vals in recs:
        batch.append(vals)
        if len(batch) >= 50000:
            con.executemany(sql, batch)
            n += len(batch)
            batch.clear()
    con.executemany(sql, batch)
    n += len(batch)
    con.execute("COMMIT")
    con.close()
    print(f"{n} rows")


# ---- reading a live table through the server's client ----

PG_ESC = re.compile(r"\\(.)")
PG_MAP = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\"}


def pg_field(v):
    if v == "\\N":
        return None
    if "\\" not in v:
        return v
    return PG_ESC.sub(lambda m: PG_MAP.get(m.group(1), m.group(1)), v)


def pg_rows(table, db):
    sql = (f"COPY (SELECT {', '.join(COLUMNS)} FROM \"{table}\" ORDER BY id) TO STDOUT")
    env = dict(os.environ, PGOPTIONS="-c DateStyle=ISO,YMD -c TimeZone=UTC")
    cmd = ["psql", "-X", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", db,
           "-v", "ON_ERROR_STOP=1", "-c", sql]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, env=env)
    for raw in p.stdout:
        line = raw.decode("utf-8").rstrip("\n")
        yield [pg_field(v) for v in line.split("\t")]
    if p.wait() != 0:
        raise RuntimeError(f"psql exited with {p.returncode}")


def my_rows(table, db):
    sel = ", ".join(f"HEX(`{c}`)" if i in TEXT_COLS else f"`{c}`" for i, c in enumerate(COLUMNS))
    sql = f"SELECT {sel} FROM `{table}` ORDER BY id"
    cmd = ["mariadb", "-h", "127.0.0.1", "-u", "root", "--default-character-set=utf8mb4",
           "-N", "-B", "--quick", db, "-e", sql]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE)
    for raw in p.stdout:
        cells = raw.decode("utf-8").rstrip("\n").split("\t")
        row = []
        for i, v in enumerate(cells):
            if v == "NULL":  # a hex string or a number, date, time cannot read NULL
                row.append(None)
            elif i in TEXT_COLS:
                row.append(bytes.fromhex(v).decode("utf-8"))
            else:
                row.append(v)
        yield row
    if p.wait() != 0:
        raise RuntimeError(f"mariadb exited with {p.returncode}")


# the storage class each column must have in SQLite (NULL aside): a value stored otherwise (a
# number stored as text or blob, text as a blob) is reported as a difference
SQLITE_CLASSES = {"int": {"integer"}, "decimal": {"integer", "real"}, "bool": {"integer"},
                  "text": {"text"}, "date": {"text"}, "timestamp": {"text"}}


def sqlite_rows(table, db):
    sel = " || char(9) || ".join(f"typeof(\"{c}\") || ':' || coalesce(hex(\"{c}\"), '')"
                                 for c in COLUMNS)
    sql = f"SELECT {sel} FROM \"{table}\" ORDER BY id;"
    cmd = ["sqlite3", "-batch", "-noheader", db, sql]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE)
    for raw in p.stdout:
        cells = raw.decode("ascii").rstrip("\n").split("\t")
        row = []
        for i, cell in enumerate(cells):
            t, h = cell.split(":", 1)
            if t == "null":
                row.append(None)
                continue
            v = bytes.fromhex(h).decode("utf-8", "backslashreplace")
            if t not in SQLITE_CLASSES[KINDS[i]]:
                v = f"<stored as {t}>{v}"
            row.append(v)
        yield row
    if p.wait() != 0:
        raise RuntimeError(f"sqlite3 exited with {p.returncode}")


def cmd_check(args):
    server, table, canon = args[0], args[1], args[2]
    db = args[args.index("--db") + 1] if "--db" in args else "dupsweep_bench"
    rows = {"postgres": pg_rows, "mysql": my_rows, "sqlite": sqlite_rows}[server](table, db)

    def got():
        for vals in rows:
            yield int(vals[0]), canon_line(vals)

    def want():
        with open(canon, encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\n")
                yield int(line[: line.index("\t")]), line

    missing, extra, differ = [], [], []
    n_missing = n_extra = n_differ = n = 0
    g, w = got(), want()
    END = (float("inf"), None)
    a, b = next(g, END), next(w, END)
    while a is not END or b is not END:
        if a[0] == b[0]:
            n += 1
            if a[1] != b[1]:
                n_differ += 1
                if len(differ) < 3:
                    differ.append((b[1], a[1]))
            a, b = next(g, END), next(w, END)
        elif a[0] < b[0]:
            n_extra += 1
            if len(extra) < 5:
                extra.append(a[0])
            a = next(g, END)
        else:
            n_missing += 1
            if len(missing) < 5:
                missing.append(b[0])
            b = next(w, END)
    if not (n_missing or n_extra or n_differ):
        print(f"yes ({n} rows)")
        return 0
    parts = []
    if n_missing:
        parts.append(f"{n_missing} rows missing (ids {', '.join(map(str, missing))}…)")
    if n_extra:
        parts.append(f"{n_extra} rows not in the file (ids {', '.join(map(str, extra))}…)")
    if n_differ:
        e, g_ = differ[0]
        parts.append(f"{n_differ} rows differ (expected {e.split(chr(9), 1)[1]}, got {g_.split(chr(9), 1)[1]})")
    print("NO: " + "; ".join(parts))
    return 1


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, args = sys.argv[1], sys.argv[2:]
    try:
        if cmd == "canon":
            cmd_canon(args)
        elif cmd == "ids":
            cmd_ids(args)
        elif cmd == "tsv":
            cmd_tsv(args)
        elif cmd == "sqlite-load":
            cmd_sqlite_load(args)
        elif cmd == "check":
            return cmd_check(args)
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except (CsvError, RuntimeError, OSError, sqlite3.Error) as e:
        print(f"bench_replay.py {cmd}: {e}", file=sys.stderr)
        print(f"NO: {e}" if cmd == "check" else f"failed: {e}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
