#!/usr/bin/env python3
# Bytes written to disk per reading by the readings table layout alone, at the steady-state cadence of
# the ingest bench (200 plugs every 10 s = 80 readings/s, one commit per 500 ms = 40 readings), on a
# mature table (500 readings per series already stored). SQLite WAL, synchronous=FULL, 4 KiB pages,
# final TRUNCATE checkpoint included. Compares hearthd's key (series_id, ts_ms) with a time-first key
# and with bigger commits. Measures this process's /proc/self/io write_bytes. About 30 s, ~10 MB in
# $TMPDIR (or /tmp). Supports the proposals in bench/README.md; not a benchmark of hearthd itself.
import os
import sqlite3
import tempfile


def wb():
    d = dict(l.split(': ') for l in open('/proc/self/io').read().split('\n') if l)
    return int(d['write_bytes']) - int(d['cancelled_write_bytes'])
WORKDIR = tempfile.mkdtemp(prefix='hearth-layout-')


def run(name, key, page_size=4096, per_commit_msgs=10, commits=60):
    path = os.path.join(WORKDIR, 'layout.db')
    for s in ('', '-wal', '-shm'):
        if os.path.exists(path + s): os.remove(path + s)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute(f'PRAGMA page_size={page_size}')
    db.execute('PRAGMA journal_mode=WAL'); db.execute('PRAGMA synchronous=FULL')
    db.execute(f'CREATE TABLE readings (series_id INTEGER NOT NULL, ts_ms INTEGER NOT NULL, value REAL NOT NULL, PRIMARY KEY ({key})) WITHOUT ROWID')
    db.execute('CREATE TABLE energy_counters (device_id TEXT PRIMARY KEY, total_kwh REAL, last_raw_kwh REAL, last_ts_ms INTEGER, pending_raw_kwh REAL, pending_ts_ms INTEGER)')
    t0 = 1_700_000_000_000
    # mature history: 200 plugs x 4 series, 500 readings each, 10 s apart
    db.execute('BEGIN')
    for j in range(500):
        ts = t0 + j * 10_000
        db.executemany('INSERT INTO readings VALUES (?,?,?)', [(s, ts + s * 10, 1.0 * j) for s in range(800)])
    db.executemany('INSERT OR REPLACE INTO energy_counters VALUES (?,?,?,?,?,?)', [(f'tasmota:plug-{p:03d}', 1.0, 1.0, t0, None, 0) for p in range(200)])
    db.execute('COMMIT'); db.execute('PRAGMA wal_checkpoint(TRUNCATE)')
    before = wb(); n = 0; ts = t0 + 500 * 10_000; plug = 0
    for c in range(commits):
        db.execute('BEGIN')
        for m in range(per_commit_msgs):
            p = plug % 200; plug += 1; ts += 50
            db.executemany('INSERT OR IGNORE INTO readings VALUES (?,?,?)', [(p * 4 + k, ts, 2.0) for k in range(4)])
            db.execute('INSERT OR REPLACE INTO energy_counters VALUES (?,?,?,?,?,?)', (f'tasmota:plug-{p:03d}', 2.0, 2.0, ts, None, 0))
            n += 4
        db.execute('COMMIT')
    db.execute('PRAGMA wal_checkpoint(TRUNCATE)'); db.close()
    print(f'{name:44s} {(wb() - before) / n:8.0f} B/reading  ({n} readings, {per_commit_msgs*4} per commit)')
run('current: (series_id, ts_ms), 40/commit', 'series_id, ts_ms')
run('time-first: (ts_ms, series_id), 40/commit', 'ts_ms, series_id')
run('time-first, page_size 1024, 40/commit', 'ts_ms, series_id', page_size=1024)
run('current, 400/commit (5 s interval)', 'series_id, ts_ms', per_commit_msgs=100, commits=6)
run('time-first, 400/commit (5 s interval)', 'ts_ms, series_id', per_commit_msgs=100, commits=6)
run('time-first, 4800/commit (60 s interval)', 'ts_ms, series_id', per_commit_msgs=1200, commits=1)
for s in ('', '-wal', '-shm'):
    if os.path.exists(os.path.join(WORKDIR, 'layout.db' + s)): os.remove(os.path.join(WORKDIR, 'layout.db' + s))
os.rmdir(WORKDIR)
