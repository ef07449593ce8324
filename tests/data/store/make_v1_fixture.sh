#!/usr/bin/env bash
# Makes experiments_v1.sqlite: an experiment store as the first schema version (1) wrote it,
# so the tests can check that a file from an older build opens, is upgraded and keeps its
# data. The DDL below is schemaV1Ddl() of core/store/schema.cpp, verbatim (a test compares
# the two). Needs the sqlite3 shell (Debian package sqlite3). Usage: make_v1_fixture.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$here/experiments_v1.sqlite
rm -f "$out"
sqlite3 "$out" <<'SQL'
CREATE TABLE experiments (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed', 'interrupted')),
    created TEXT NOT NULL,
    finished TEXT,
    error TEXT,
    workload TEXT NOT NULL,
    config TEXT NOT NULL,
    code_version TEXT NOT NULL,
    machine TEXT NOT NULL,
    backend TEXT NOT NULL,
    layers INTEGER NOT NULL,
    experts INTEGER NOT NULL,
    ranks INTEGER NOT NULL,
    writer_pid INTEGER NOT NULL,
    writer_host TEXT NOT NULL,
    writer_start TEXT NOT NULL,
    heartbeat TEXT NOT NULL,
    steps INTEGER NOT NULL DEFAULT 0,
    tokens INTEGER NOT NULL DEFAULT 0,
    frames_dropped INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX experiments_by_status ON experiments (status);
CREATE TABLE steps (
    run_id INTEGER NOT NULL,
    step INTEGER NOT NULL,
    tokens INTEGER NOT NULL,
    wall_seconds REAL NOT NULL,
    PRIMARY KEY (run_id, step)
) WITHOUT ROWID;
CREATE TABLE loads (
    run_id INTEGER NOT NULL,
    layer INTEGER NOT NULL,
    step INTEGER NOT NULL,
    counts BLOB NOT NULL,
    dropped INTEGER NOT NULL,
    PRIMARY KEY (run_id, layer, step)
) WITHOUT ROWID;
CREATE TABLE rank_stats (
    run_id INTEGER NOT NULL,
    layer INTEGER NOT NULL,
    step INTEGER NOT NULL,
    rows BLOB NOT NULL,
    busy BLOB NOT NULL,
    PRIMARY KEY (run_id, layer, step)
) WITHOUT ROWID;
PRAGMA user_version = 1;

-- Run 1: finished, 2 layers x 4 experts x 2 ranks, 3 steps of 4 tokens (top-2: 8 pairs).
-- Counts are one-byte varints, hand-picked so every (layer, step) differs and sums to 8;
-- rank 0 holds experts 0-1 and rank 1 experts 2-3; busy is 0.5 s and 0.25 s (float64 LE).
INSERT INTO experiments (id, name, tags, status, created, finished, workload, config,
    code_version, machine, backend, layers, experts, ranks, writer_pid, writer_host,
    writer_start, heartbeat, steps, tokens)
VALUES (1, 'v1-baseline', 'baseline, gpt-oss', 'finished', '2024-05-01T10:00:00Z',
    '2024-05-01T10:00:03Z', 'synthetic:layers=2,experts=4,top_k=2,tokens=4',
    '{"ranks": 2, "hidden": 16}', '0.0.9', 'fixture-host, Test CPU, 2 hardware threads',
    'cpu, 2 in-process ranks', 2, 4, 2, 4000001, 'fixture-host', 'boot/1',
    '2024-05-01T10:00:03Z', 3, 12);
INSERT INTO steps VALUES (1, 0, 4, 0.01), (1, 1, 4, 0.02), (1, 2, 4, 0.03);
INSERT INTO loads VALUES
    (1, 0, 0, X'01020302', 0), (1, 0, 1, X'02020202', 0), (1, 0, 2, X'03020102', 0),
    (1, 1, 0, X'01030301', 0), (1, 1, 1, X'02030201', 0), (1, 1, 2, X'03030101', 1);
INSERT INTO rank_stats VALUES
    (1, 0, 0, X'0305', X'000000000000E03F000000000000D03F'),
    (1, 0, 1, X'0404', X'000000000000E03F000000000000D03F'),
    (1, 0, 2, X'0503', X'000000000000E03F000000000000D03F'),
    (1, 1, 0, X'0404', X'000000000000E03F000000000000D03F'),
    (1, 1, 1, X'0503', X'000000000000E03F000000000000D03F'),
    (1, 1, 2, X'0602', X'000000000000E03F000000000000D03F');

-- Run 2: left "running" by a writer on another host whose heartbeat stopped long ago: the
-- next open must show it as interrupted.
INSERT INTO experiments (id, name, tags, status, created, workload, config, code_version,
    machine, backend, layers, experts, ranks, writer_pid, writer_host, writer_start,
    heartbeat, steps, tokens)
VALUES (2, 'v1-killed', '', 'running', '2024-05-02T09:00:00Z',
    'synthetic:layers=2,experts=4,top_k=2,tokens=4', '{}', '0.0.9', 'other-host',
    'cpu, 2 in-process ranks', 2, 4, 2, 4000002, 'some-other-host', 'boot/2',
    '2024-05-02T09:00:01Z', 1, 4);
INSERT INTO steps VALUES (2, 0, 4, 0.5);
INSERT INTO loads VALUES (2, 0, 0, X'04020101', 0), (2, 1, 0, X'01010402', 0);
INSERT INTO rank_stats VALUES
    (2, 0, 0, X'0602', X'000000000000F03F000000000000F03F'),
    (2, 1, 0, X'0206', X'000000000000F03F000000000000F03F');
VACUUM;
SQL
echo "written: $out ($(stat -c %s "$out") bytes)"
