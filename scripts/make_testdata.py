#!/usr/bin/env python3
"""Writes the bundled school dump in testdata/school/ (deterministic: seeded).

students.csv   integer primary key `id`; ~10% duplicated rows (some several times) that differ
               only in `id` (and sometimes `updated_at`); adversarial values: quotes,
               backslashes, SQL injection, newlines, tabs, emoji, a 5,000-character string,
               NULL (unquoted empty) next to empty strings (""), `Zoë` next to `zoe`.
courses.csv    text primary key `code`, `;`-delimited, with a BOM.
exam_results.csv  composite primary key (student_id, exam), duplicates under other keys.
enrolments.csv integer key `id`; student_id -> students.id, course_code -> courses.code;
               unique (student_id, course_code). Duplicated students and courses have their own
               enrolments, some in the same course as their survivor: re-pointing them collides.
marks.csv      integer key `id`; enrolment_id -> enrolments.id; unique (enrolment_id, exam).
timetable.csv  no primary key: identical copies of whole rows, NULLs in key columns.
../adversarial.csv  every hostile value (quotes, backslashes, injection, newlines, a 70,000-
               character string, NULL, "", Zoë/zoe/ZOE...) twice.

Run: python3 scripts/make_testdata.py
"""
import random
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "testdata" / "school"
rng = random.Random(20261125)

FIRST = ["Omar", "Amina", "Lucas", "Zoë", "zoe", "Chloé", "Hiroshi", "Ngozi", "Ana", "Liam",
         "Fatima", "Noah", "Mia", "Yusuf", "Elif", "O'Brien", "Sven", "Priya", "Mateo", "Léa"]
LAST = ["Ben Amer", "Dupont", "Smith", "García", "Müller", "Nakamura", "Okafor", "Kowalski",
        "D'Angelo", "Rossi", "Nguyen", "Jensen", "Silva", "Haddad", "Ivanova"]
ODD = [
    "'; DROP TABLE students; --",
    "back\\slash \\' \\\\",
    "line one\nline two",
    "tab\there",
    "emoji 😀🎓",
    "quote \" and '' and `tick`",
    "$dupsweep$ dollar $$ quoting",
    "x" * 5000,
    "\\N",
    "/* not a comment */ -- nor this",
    "carriage\r\nreturn",
    "trailing space ",
]


def field(v, delimiter):
    """None -> unquoted empty (NULL); "" -> "" (empty string); quoted when needed."""
    if v is None:
        return ""
    if v == "":
        return '""'
    if any(c in v for c in (delimiter, '"', "\n", "\r")) or v != v.strip(" "):
        return '"' + v.replace('"', '""') + '"'
    return v


def write(path, header, rows, delimiter=",", bom=False):
    lines = [delimiter.join(header)]
    lines += [delimiter.join(field(v, delimiter) for v in r) for r in rows]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    if bom:
        data = b"\xef\xbb\xbf" + data
    path.write_bytes(data)


def students():
    header = ["id", "first_name", "last_name", "email", "birth_date", "grade", "balance",
              "active", "notes", "updated_at"]
    base = []
    for i in range(1, 121):
        fn = rng.choice(FIRST)
        ln = rng.choice(LAST)
        email = None if i % 17 == 0 else ("" if i % 23 == 0 else
                 f"{fn.lower().replace(chr(39), '')}.{ln.lower().replace(' ', '').replace(chr(39), '')}{i}@school.example")
        bd = f"20{rng.randint(8, 14):02d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        grade = str(rng.randint(1, 12))
        balance = f"{rng.randint(0, 500)}.{rng.choice(['00', '50', '05', '99'])}"
        active = rng.choice(["1", "0"])
        notes = ODD[i % len(ODD)] if i % 3 == 0 else (None if i % 5 == 0 else "")
        upd = f"2026-0{rng.randint(1, 9)}-{rng.randint(10, 28)} 0{rng.randint(0, 9)}:{rng.randint(10, 59)}:00"
        base.append([fn, ln, email, bd, grade, balance, active, notes, upd])
    rows = [list(r) for r in base]
    # ~10% duplicates: 9 rows copied once, 2 rows copied twice (differ only in id / updated_at)
    picks = rng.sample(range(len(base)), 11)
    for n, p in enumerate(picks):
        copies = 2 if n < 2 else 1
        for _ in range(copies):
            r = list(base[p])
            if n % 4 == 1:
                r[8] = f"2026-10-{10 + n} 12:00:00"  # newer updated_at
            rows.insert(rng.randint(p + 1, len(rows)), r)
    # Zoë and zoe with otherwise identical values: NOT duplicates (exact comparison)
    rows.append(["Zoë", "Ng", "z.ng@school.example", "2012-02-02", "7", "1.50", "1", "", "2026-01-01 00:00:00"])
    rows.append(["zoe", "Ng", "z.ng@school.example", "2012-02-02", "7", "1.50", "1", "", "2026-01-01 00:00:00"])
    rows.append(["Zoë", "Ng", "z.ng@school.example", "2012-02-02", "7", "1.50", "1", "", "2026-01-01 00:00:00"])
    out = [[str(i + 1)] + r for i, r in enumerate(rows)]
    write(OUT / "students.csv", header, out)


def courses():
    header = ["code", "title", "teacher", "room"]
    rows = [
        ["MATH-101", "Algebra", "Ms. O'Neil", "B12"],
        ["MATH-101b", "Algebra", "Ms. O'Neil", "B12"],
        ["PHYS-1", "Physics; lab", "Mr. Back\\slash", None],
        ["PHYS-1-old", "Physics; lab", "Mr. Back\\slash", None],
        ["ART", "Art & \"Design\"", "Mme Chloé", "Atelier"],
        ["ART-2", "Art & \"Design\"", "Mme Chloé", "atelier"],
        ["HIST", "History", "Mr. Smith", ""],
        ["HIST-x", "History", "Mr. Smith", ""],
        ["HIST-y", "History", "Mr. Smith", None],
        ["BIO", "Biology\nwith newline", "Dr. 😀", "C3"],
        ["BIO-2", "Biology\nwith newline", "Dr. 😀", "C3"],
    ]
    write(OUT / "courses.csv", header, rows, delimiter=";", bom=True)


def marks():
    header = ["student_id", "exam", "mark", "recorded_at"]
    rows = []
    for s in range(1, 21):
        for e in ["midterm", "final"]:
            rows.append([str(s), e, str(rng.randint(20, 100)), f"2026-0{rng.randint(1, 6)}-15 10:00:00"])
    # duplicates: same mark/time recorded under another exam label
    for s, e in [(3, "final"), (7, "midterm"), (12, "final")]:
        src = next(r for r in rows if r[0] == str(s) and r[1] == e)
        rows.append([src[0], e + "-copy", src[2], src[3]])
    write(OUT / "exam_results.csv", header, rows)


def read_csv(path, delimiter=","):
    import csv
    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.reader(f, delimiter=delimiter))


def enrolments_and_marks():
    """The children of students and courses (own generator, so the files above stay as they are)."""
    r = random.Random(4)
    students = read_csv(OUT / "students.csv")[1:]
    codes = [row[0] for row in read_csv(OUT / "courses.csv", ";")[1:]]
    # duplicate groups of students: same values but for id and updated_at
    groups = {}
    for row in students:
        groups.setdefault(tuple(row[1:9]), []).append(row[0])
    dup_groups = [g for g in groups.values() if len(g) > 1]
    taken = set()
    rows = []

    def enrol(sid, code):
        if (sid, code) in taken:
            return
        taken.add((sid, code))
        day = f"2025-09-{r.randint(1, 28):02d}"
        rows.append([sid, code, day])

    for row in students:
        for code in r.sample(codes, r.randint(1, 3)):
            enrol(row[0], code)
    # every duplicated student shares a course with another member of its group, under the
    # same code or under a duplicated course's code: re-pointing both makes them collide
    pairs = [("MATH-101", "MATH-101b"), ("PHYS-1", "PHYS-1-old"), ("HIST", "HIST-x"),
             ("BIO", "BIO-2"), ("ART", "ART")]
    for n, g in enumerate(dup_groups):
        a, b = pairs[n % len(pairs)]
        enrol(g[0], a)
        enrol(g[-1], b if n % 2 else a)
    r.shuffle(rows)
    rows.append([students[5][0], None, "2025-09-30"])  # a NULL foreign key stays NULL
    enrolments = [[str(i + 1)] + e for i, e in enumerate(rows)]
    write(OUT / "enrolments.csv", ["id", "student_id", "course_code", "enrolled_on"], enrolments)

    marks = []
    for e in enrolments:
        for exam in (["midterm", "final"] if r.random() < 0.5 else ["midterm"]):
            marks.append([e[0], exam, str(r.randint(20, 100))])
    r.shuffle(marks)
    marks = [[str(i + 1)] + m for i, m in enumerate(marks)]
    write(OUT / "marks.csv", ["id", "enrolment_id", "exam", "mark"], marks)


def timetable():
    header = ["room", "day", "period", "course", "note"]
    rows = []
    for room in ["A1", "B12", "C3"]:
        for day in ["mon", "tue"]:
            for period in ["1", "2", "3"]:
                rows.append([room, day, period, rng.choice(["MATH-101", "ART", "BIO"]), None])
    rows[4][3] = None  # NULL in a key column
    rows[5][4] = "it's \"fine\""
    copies = [rows[0], rows[0], rows[4], rows[5], rows[5], rows[5], rows[9]]
    for c in copies:
        rows.insert(rng.randint(0, len(rows)), list(c))
    write(OUT / "timetable.csv", header, rows)


def adversarial():
    """Every hostile value twice (so it appears in the SQL as survivor and as removed row)."""
    header = ["id", "value", "kind"]
    values = ODD + [
        "y" * 70000,
        "Zoë",
        "zoe",
        "ZOE",
        "",
        None,
        "'",
        "\\",
        "\\'",
        "';\\",
        "\t\tleading tabs",
        "\u00a0non-breaking space\u2028line separator",
        "NULL",
        "e\u0301 (combining accent) vs \u00e9",
        "\u00e9",
    ]
    rows = []
    n = 1
    for i, v in enumerate(values):
        for _ in range(2):
            rows.append([str(n), v, f"k{i}"])
            n += 1
    write(OUT.parent / "adversarial.csv", header, rows)


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    students()
    courses()
    marks()
    timetable()
    enrolments_and_marks()
    adversarial()
    print(f"wrote {OUT}")
