#!/usr/bin/env python3
"""Fills the recordings table of a migrated database with terminal recordings, fast.

    bench/seed.py sqlite PATH TOTAL        # Python's sqlite3, one transaction
    bench/seed.py postgres URL TOTAL       # psql \\copy from a generated CSV
    bench/seed.py status-paths TOTAL COUNT # COUNT status paths of random seeded rows (for wrk)
    bench/seed.py middle-cursor TOTAL      # a list cursor half way down the history

Grows the table to TOTAL rows (rows 0..TOTAL-1; the ones already there are kept), so
1k -> 10k -> 100k reuses earlier work. The server migrates the database first; the column
list is read back from the migrated table (PRAGMA table_info / information_schema) so the
rows match the schema in Sources/RecordingStore/SQL/Migrations.swift, and a NOT NULL
column this script does not know about stops it with a message rather than seeding a
table the server would read differently.

Row i: egress id EG_bench{i:012d}, room !bench-room-{i % ROOMS}:example.org, created one
minute after row i-1 (oldest first), ended 20 minutes after it started; 90% COMPLETE with a
file, 7% FAILED, 3% ABORTED. Never active, so the one-active-recording-per-room index
holds and no background loop touches them.
"""
import base64
import csv
import random
import sqlite3
import subprocess
import sys
import tempfile

ROOMS = 1000
BASE_MS = 1_700_000_000_000  # 2023-11-14: old enough that the seeded rows are history
MINUTE_MS = 60_000
TERMINAL = ("EGRESS_COMPLETE", "EGRESS_FAILED", "EGRESS_ABORTED")


def egress_id(i):
    return f"EG_bench{i:012d}"


def row(i):
    """Column name -> value for row i (booleans as Python bools)."""
    created = BASE_MS + i * MINUTE_MS
    ended = created + 20 * MINUTE_MS
    room = f"!bench-room-{i % ROOMS}:example.org"
    bucket = i % 100
    status = TERMINAL[0] if bucket < 90 else TERMINAL[1] if bucket < 97 else TERMINAL[2]
    complete = status == "EGRESS_COMPLETE"
    key = f"recordings/bench-room-{i % ROOMS}_example.org_{i:012d}.mp4" if complete else None
    return {
        "id": f"00000000-0000-4000-8000-{i:012d}",
        "egress_id": egress_id(i),
        "room_name": room,
        "room_id": f"RM_bench{i % ROOMS:06d}",
        "layout": "grid-dark",
        "audio_only": False,
        "preset": None,
        "status": status,
        "started_at": created + 1500,
        "ended_at": ended,
        "error": None if complete else ("Start signal not received" if status == "EGRESS_ABORTED" else "S3 upload failed: bench"),
        "file_key": key,
        "file_location": f"http://s3.bench/livekit-recordings/{key}" if complete else None,
        "file_size": 12_345_678 if complete else None,
        "file_duration_ms": 1_198_500 if complete else None,
        "file_missing": False,
        "started_by": "bench",
        "stopped_by": "bench",
        "max_duration_seconds": None,
        "livekit_updated_at_ns": ended * 1_000_000,
        "created_at": created,
        "updated_at": ended,
        "version": 3,
    }


def check_columns(columns):
    """columns: [(name, not_null, has_default)] of the migrated table."""
    known = set(row(0))
    unknown = [name for name, not_null, has_default in columns if name not in known and not_null and not has_default]
    if unknown:
        sys.exit(f"seed.py: the recordings table has NOT NULL columns this script does not fill: {unknown}; "
                 "update bench/seed.py's row() to the new migration.")
    return [name for name, _, _ in columns if name in known]


def seed_sqlite(path, total):
    db = sqlite3.connect(path, timeout=30)
    columns = check_columns([(r[1], bool(r[3]), r[4] is not None) for r in db.execute("PRAGMA table_info(recordings)")])
    if not columns:
        sys.exit(f"seed.py: {path} has no recordings table; start the server on it first (it migrates).")
    have = db.execute("SELECT count(*) FROM recordings WHERE egress_id LIKE 'EG_bench%'").fetchone()[0]
    sql = f"INSERT INTO recordings ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    with db:
        db.executemany(sql, (_sqlite_values(row(i), columns) for i in range(have, total)))
    db.close()
    return total - have


def _sqlite_values(values, columns):
    return [int(values[c]) if isinstance(values[c], bool) else values[c] for c in columns]


def psql(url, *arguments):
    done = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", url, *arguments], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"seed.py: psql failed: {done.stderr.strip()}")
    return done.stdout


def seed_postgres(url, total):
    listing = psql(url, "-F", "|", "-c",
                   "SELECT column_name, is_nullable, column_default IS NOT NULL FROM information_schema.columns "
                   "WHERE table_name = 'recordings' ORDER BY ordinal_position")
    described = [line.split("|") for line in listing.splitlines() if line]
    if not described:
        sys.exit("seed.py: no recordings table; start the server on this database first (it migrates).")
    columns = check_columns([(name, nullable == "NO", default == "t") for name, nullable, default in described])
    have = int(psql(url, "-c", "SELECT count(*) FROM recordings WHERE egress_id LIKE 'EG_bench%'").strip())
    with tempfile.NamedTemporaryFile("w", suffix=".csv", newline="") as handle:
        writer = csv.writer(handle)
        for i in range(have, total):
            values = row(i)
            # CSV: an unquoted empty field is NULL for COPY; booleans as t/f.
            writer.writerow(["t" if values[c] is True else "f" if values[c] is False else "" if values[c] is None else values[c]
                             for c in columns])
        handle.flush()
        psql(url, "-c", f"\\copy recordings ({', '.join(columns)}) FROM '{handle.name}' WITH (FORMAT csv)")
    # What autovacuum would have done by the time a table holds this much history; left to
    # autovacuum, its pass over the new rows ran during the start/stop cycles that follow.
    psql(url, "-c", "VACUUM ANALYZE recordings")
    return total - have


def status_paths(total, count):
    generator = random.Random(total)
    for _ in range(count):
        print(f"/api/recording/status/{egress_id(generator.randrange(total))}")


def middle_cursor(total):
    """The cursor recording-api hands out after row total/2 (RecordingStore's PageCursor:
    base64url of `r:<created_at>:<id>`, unpadded); rebuilt here so the deep page needs no crawl."""
    middle = row(total // 2)
    text = f"r:{middle['created_at']}:{middle['id']}".encode()
    print(base64.urlsafe_b64encode(text).decode().rstrip("="))


def main():
    if sys.argv[1:2] == ["status-paths"] and len(sys.argv) == 4:
        return status_paths(int(sys.argv[2]), int(sys.argv[3]))
    if sys.argv[1:2] == ["middle-cursor"] and len(sys.argv) == 3:
        return middle_cursor(int(sys.argv[2]))
    if len(sys.argv) != 4 or sys.argv[1] not in ("sqlite", "postgres"):
        sys.exit(__doc__)
    kind, target, total = sys.argv[1], sys.argv[2], int(sys.argv[3])
    added = seed_sqlite(target, total) if kind == "sqlite" else seed_postgres(target, total)
    print(f"seeded {added} rows ({total} in all)", file=sys.stderr)


if __name__ == "__main__":
    main()
