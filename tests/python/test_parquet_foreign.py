"""Parquet files of other writers read by spikeforge's reader (the neural-pile shards on the Hugging
Face hub are pyarrow's: OPTIONAL columns, dictionary-encoded pages, SNAPPY; docs/io.md, "Parquet").

DuckDB (npm @duckdb/node-api, an implementation independent of spikeforge's) writes the files
(tests/js/write_parquet.mjs: OPTIONAL columns, dictionary pages where values repeat, PLAIN where they
do not, every codec, several row groups) and reads them back (tests/js/read_parquet.mjs); spikeforge's
reader reads them through `parquet_fixture_writer --dump FILE` (an internal test program built beside
the CLI; SF_PARQUET_FIXTURE_WRITER overrides), and both must see the same values. DuckDB writes
DataPage v1 headers only (its PARQUET_VERSION v2 changes the encodings, not the page headers), so the
DataPage v2 files here are DuckDB's pages re-framed by the small Thrift compact codec below (checked
by DuckDB reading them back). Finally `spikeforge pile motifs` and `pile reorder` read a shard that
DuckDB wrote like the hub's.

These tests fail (never skip) when node, the npm packages or the test programs are missing."""
import csv
import gzip
import json
import os
import pathlib
import shutil
import struct
import subprocess

import numpy as np
import pytest

from conftest import BINARY, ROOT, duckdb, run_cli
from test_pile_algorithms import ref_motifs, ref_order
from test_pile_build import make_sessions

FIXTURE_WRITER = pathlib.Path(os.environ.get("SF_PARQUET_FIXTURE_WRITER", BINARY.parent / "parquet_fixture_writer"))
WRITE_PARQUET = ROOT / "tests" / "js" / "write_parquet.mjs"


# ---------- writing with DuckDB, reading with both ----------

def write_parquet(path, select, *options):
    """COPY (select) TO path (FORMAT parquet, options...) in DuckDB."""
    node = shutil.which("node")
    assert node, "node is not installed: run scripts/setup"
    sql = f"COPY ({select}) TO '{path}' ({', '.join(['FORMAT parquet', *options])})"
    proc = subprocess.run([node, str(WRITE_PARQUET), sql], capture_output=True, text=True, timeout=600,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, f"write_parquet.mjs exited {proc.returncode}:\n{proc.stderr}"
    return path


def ours(path, check=True):
    """What spikeforge's table_reader reads (parquet_fixture_writer --dump): the JSON object, or with
    check=False the CompletedProcess."""
    assert FIXTURE_WRITER.exists(), f"{FIXTURE_WRITER} is missing: build the parquet_fixture_writer target"
    proc = subprocess.run([str(FIXTURE_WRITER), "--dump", str(path)], capture_output=True, text=True, timeout=600,
                          stdin=subprocess.DEVNULL)
    if not check:
        return proc
    assert proc.returncode == 0, f"our reader rejects {path}:\n{proc.stderr}"
    return json.loads(proc.stdout)


# DuckDB's column types and ours (parquet::to_string).
TYPES = {"INTEGER": "i32", "UINTEGER": "u32", "BIGINT": "i64", "UBIGINT": "u64", "FLOAT": "f32", "DOUBLE": "f64",
         "VARCHAR": "string", "UTINYINT[]": "list<u8>", "UINTEGER[]": "list<u32>", "UTINYINT[][]": "list<list<u8>>"}


def expect_same_table(path):
    """Our reader and DuckDB read the same columns, row groups and values (exactly: 64-bit integers
    as decimal strings, floats bit for bit through their shortest decimal form, NaN, infinities and
    -0 by name). Returns DuckDB's reading."""
    theirs, mine = duckdb(path), ours(path)
    assert [(c["name"], TYPES[c["type"]]) for c in theirs["columns"]] == \
        [(c["name"], c["type"]) for c in mine["columns"]]
    assert mine["rows"] == theirs["rows"]
    groups = {}
    for c in theirs["row_groups"]:
        groups[int(c["row_group_id"])] = int(c["row_group_num_rows"])
    assert mine["row_groups"] == [groups[g] for g in sorted(groups)]
    for name, values in theirs["values"].items():
        assert mine["values"][name] == values, f"column {name} differs"
    return theirs


def chunks(got, column):
    """DuckDB's parquet_metadata() rows of one column's chunks, by row group."""
    rows = [c for c in got["row_groups"] if c["path_in_schema"].split(", ")[0] == column]
    return sorted(rows, key=lambda c: int(c["row_group_id"]))


DICTIONARY = {"PLAIN_DICTIONARY", "RLE_DICTIONARY"}


def is_dictionary(chunk):
    return bool(DICTIONARY & set(chunk["encodings"].split(", "))) and chunk["dictionary_page_offset"] is not None


# Every column type we read, 5000 rows: columns that repeat values (DuckDB dictionary-encodes them)
# and columns of distinct values (PLAIN), extremes, empty strings and lists, non-ASCII text; `u8s`
# repeats in its first 4096 rows only, so that its last chunk is PLAIN. Lists: i % 4 values,
# list<list<u8>> rows of i % 3 inner lists of i % 5 values.
TABLE = """
SELECT
  CASE WHEN i % 7 = 6 THEN -2147483648 ELSE i % 7 - 3 END::INTEGER AS i32,
  (i * 40503 % 1000003 - 500000)::INTEGER AS i32_distinct,
  CASE WHEN i % 5 = 4 THEN 4294967295 ELSE i % 5 END::UINTEGER AS u32,
  (i * -1000003)::BIGINT AS i64,
  CASE WHEN i % 3 = 2 THEN 18446744073709551615 ELSE i % 3 END::UBIGINT AS u64,
  CASE i % 6 WHEN 0 THEN 'nan'::FLOAT WHEN 1 THEN 'inf'::FLOAT WHEN 2 THEN '-inf'::FLOAT WHEN 3 THEN '-0.0'::FLOAT
             WHEN 4 THEN 0.1::FLOAT ELSE 3.4028235e38::FLOAT END AS f32,
  (i / 7)::DOUBLE AS f64,
  CASE i % 4 WHEN 0 THEN '' WHEN 1 THEN 'sub-α' WHEN 2 THEN 'Grüße 🧠' ELSE 'ses-' || (i % 9) END AS s,
  'segment_' || i AS s_distinct,
  list_transform(range(i % 4), lambda k: ((i + k) % 6 * 51)::UTINYINT) AS u8s,
  list_transform(range(i % 4), lambda k: CASE WHEN i < 4096 THEN (i + k) % 3 ELSE (i * 7 + k) % 256 END::UTINYINT)
    AS u8s_fallback,
  list_transform(range(i % 3), lambda k: (4294967295 - (i % 4) * k * 1073741824)::UINTEGER) AS u32s,
  list_transform(range(i % 3), lambda u: list_transform(range(i % 5), lambda b: ((i + u + 3 * b) % 4)::UTINYINT))
    AS counts
FROM range(5000) t(i)
"""

CODECS = ["uncompressed", "snappy", "gzip", "zstd"]


@pytest.mark.parametrize("codec", CODECS)
def test_every_column_type_reads_as_duckdb_reads(tmp_path, codec):
    path = write_parquet(tmp_path / "t.parquet", TABLE, f"COMPRESSION {codec}", "ROW_GROUP_SIZE 2048")
    got = expect_same_table(path)
    assert got["rows"] == 5000
    # What makes the file foreign: OPTIONAL nodes, dictionary pages, the codec, 3 row groups.
    meta = duckdb(path, "--no-values")
    for e in meta["schema"][1:]:
        assert e["repetition_type"] in ("OPTIONAL", "REPEATED")
    for c in meta["row_groups"]:
        assert c["compression"] == codec.upper()
    for column in ("i32", "u32", "u64", "f32", "s", "u8s", "counts"):
        assert all(is_dictionary(c) for c in chunks(meta, column)), column
    for column in ("i64", "f64", "s_distinct"):
        assert not any(is_dictionary(c) for c in chunks(meta, column)), column
    assert [is_dictionary(c) for c in chunks(meta, "u8s_fallback")] == [True, True, False]
    assert len(chunks(meta, "s")) == 3


def test_format_v2_dictionary_pages_read_and_delta_encodings_are_rejected(tmp_path):
    # PARQUET_VERSION v2: DuckDB still dictionary-encodes repeated values, in RLE_DICTIONARY pages...
    repeated = "SELECT i32, u32, u64, f32, s, u8s, counts FROM (" + TABLE + ")"
    path = write_parquet(tmp_path / "v2.parquet", repeated, "PARQUET_VERSION v2", "ROW_GROUP_SIZE 2048")
    expect_same_table(path)
    meta = duckdb(path, "--no-values")
    assert {c["encodings"] for c in meta["row_groups"]} == {"RLE_DICTIONARY"}
    # ...but writes distinct values in encodings that pyarrow does not use by default: one line naming
    # the file, the column and the encoding.
    for column, encoding in (("i64", "DELTA_BINARY_PACKED (5)"), ("f64", "BYTE_STREAM_SPLIT (9)"),
                             ("s_distinct", "DELTA_LENGTH_BYTE_ARRAY (6)")):
        path = write_parquet(tmp_path / f"{column}.parquet", f"SELECT {column} FROM ({TABLE})", "PARQUET_VERSION v2")
        proc = ours(path, check=False)
        assert proc.returncode == 1
        assert proc.stderr.count("\n") == 1, proc.stderr
        assert proc.stderr.startswith(f"{path}: row group 0, column '{column}': encoding {encoding}; expected PLAIN"), \
            proc.stderr


def test_large_string_dictionaries_and_plain_chunks_of_one_column(tmp_path):
    """3000 distinct strings in each of the first two row groups (a dictionary of 108 kB, 12-bit
    indices), then distinct strings: over DuckDB's dictionary page limit in the third row group
    (PLAIN), under it in the smaller last one (a dictionary again)."""
    select = ("SELECT CASE WHEN i < 12288 THEN md5((i % 3000)::VARCHAR) ELSE md5(i::VARCHAR) END AS h, "
              "(i % 2)::INTEGER AS parity FROM range(20000) t(i)")
    path = write_parquet(tmp_path / "h.parquet", select, "COMPRESSION snappy", "ROW_GROUP_SIZE 6144",
                         "DICTIONARY_SIZE_LIMIT 100000", "STRING_DICTIONARY_PAGE_SIZE_LIMIT 150000")
    assert expect_same_table(path)["rows"] == 20000
    meta = duckdb(path, "--no-values")
    assert [is_dictionary(c) for c in chunks(meta, "h")] == [True, True, False, True]


# ---------- nulls: one line naming the file, the column and the row ----------

@pytest.mark.parametrize("column, select, what", [
    ("n", "CASE WHEN i = 2500 THEN NULL ELSE i END::INTEGER", "row 2500 (row 452 of row group 1) is null"),
    ("n", "CASE WHEN i = 7 THEN NULL ELSE 'x' || (i % 3) END", "row 7 (row 7 of row group 0) is null"),
    ("n", "CASE WHEN i = 4100 THEN NULL ELSE [i % 256]::UTINYINT[] END", "row 4100 (row 4 of row group 2) is null"),
    ("n", "CASE WHEN i = 3 THEN [NULL, 1]::UTINYINT[] ELSE [i % 256]::UTINYINT[] END", "a null value in row 3"),
    ("n", "CASE WHEN i = 5 THEN NULL ELSE [[i % 256]]::UTINYINT[][] END", "row 5 (row 5 of row group 0) is null"),
    ("n", "CASE WHEN i = 5 THEN [NULL]::UTINYINT[][] ELSE [[i % 256]]::UTINYINT[][] END",
     "a null inner list in row 5"),
])
def test_a_null_is_one_line_naming_the_file_column_and_row(tmp_path, column, select, what):
    path = write_parquet(tmp_path / "null.parquet", f"SELECT {select} AS {column} FROM range(5000) t(i)",
                         "COMPRESSION snappy", "ROW_GROUP_SIZE 2048")
    proc = ours(path, check=False)
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stderr.startswith(f"{path}: row group "), proc.stderr
    assert f"column '{column}'" in proc.stderr and what in proc.stderr, proc.stderr
    assert "; expected " in proc.stderr


# ---------- DataPage v2: DuckDB's pages re-framed ----------
# The Thrift compact protocol (apache/thrift doc/specs/thrift-compact-protocol.md), as much of it as
# Parquet's footer and page headers use: a struct is a list of [field id, type, value].

T_TRUE, T_FALSE, T_I8, T_I16, T_I32, T_I64, T_DOUBLE, T_BINARY, T_LIST, T_SET, T_MAP, T_STRUCT = range(1, 13)


def varint(b, pos):
    shift = value = 0
    while True:
        byte = b[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos


def put_varint(v):
    out = bytearray()
    while v >= 0x80:
        out.append(v & 0x7F | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def unzigzag(z):
    return (z >> 1) ^ -(z & 1)


def zigzag(n):
    return (n << 1) ^ (n >> 63)


def read_value(b, pos, t):
    if t in (T_TRUE, T_FALSE):
        return t == T_TRUE, pos
    if t == T_I8:
        return struct.unpack_from("b", b, pos)[0], pos + 1
    if t in (T_I16, T_I32, T_I64):
        z, pos = varint(b, pos)
        return unzigzag(z), pos
    if t == T_DOUBLE:
        return struct.unpack_from("<d", b, pos)[0], pos + 8
    if t == T_BINARY:
        n, pos = varint(b, pos)
        return bytes(b[pos:pos + n]), pos + n
    if t in (T_LIST, T_SET):
        head = b[pos]
        pos += 1
        size, element = head >> 4, head & 0x0F
        if size == 15:
            size, pos = varint(b, pos)
        items = []
        for _ in range(size):
            if element in (T_TRUE, T_FALSE):  # list elements of type bool: one byte each
                items.append(b[pos] == 1)
                pos += 1
            else:
                item, pos = read_value(b, pos, element)
                items.append(item)
        return (element, items), pos
    if t == T_STRUCT:
        return read_struct(b, pos)
    raise AssertionError(f"Thrift type {t} not expected in Parquet metadata")


def read_struct(b, pos):
    fields, last = [], 0
    while True:
        head = b[pos]
        pos += 1
        if head == 0:
            return fields, pos
        t, delta = head & 0x0F, head >> 4
        if delta:
            fid = last + delta
        else:
            z, pos = varint(b, pos)
            fid = unzigzag(z)
        value, pos = read_value(b, pos, t)
        fields.append([fid, t, value])
        last = fid


def write_value(t, v):
    if t in (T_TRUE, T_FALSE):
        return b""
    if t == T_I8:
        return struct.pack("b", v)
    if t in (T_I16, T_I32, T_I64):
        return put_varint(zigzag(v))
    if t == T_DOUBLE:
        return struct.pack("<d", v)
    if t == T_BINARY:
        return put_varint(len(v)) + v
    if t in (T_LIST, T_SET):
        element, items = v
        out = bytes([len(items) << 4 | element]) if len(items) < 15 else bytes([0xF0 | element]) + put_varint(len(items))
        for item in items:
            out += bytes([1 if item else 2]) if element in (T_TRUE, T_FALSE) else write_value(element, item)
        return out
    return write_struct(v)


def write_struct(fields):
    out, last = bytearray(), 0
    for fid, t, value in fields:
        if t in (T_TRUE, T_FALSE):
            t = T_TRUE if value else T_FALSE
        out += bytes([(fid - last) << 4 | t]) if 0 < fid - last <= 15 else bytes([t]) + put_varint(zigzag(fid))
        out += write_value(t, value)
        last = fid
    return bytes(out + b"\0")


def get(fields, fid, default=None):
    return next((v for f, _, v in fields if f == fid), default)


def put(fields, fid, t, value):
    """Sets field fid (adding it in id order if absent)."""
    for f in fields:
        if f[0] == fid:
            f[1], f[2] = t, value
            return
    fields.append([fid, t, value])
    fields.sort(key=lambda f: f[0])


def hybrid(b, bit_width, count):
    """The RLE / bit-packing hybrid (Parquet Encodings.md): `count` values."""
    out, pos = [], 0
    while len(out) < count:
        header, pos = varint(b, pos)
        if header & 1 == 0:
            width = (bit_width + 7) // 8
            out += [int.from_bytes(b[pos:pos + width], "little")] * (header >> 1)
            pos += width
        else:
            groups = header >> 1
            bits = int.from_bytes(b[pos:pos + groups * bit_width], "little")
            out += [(bits >> (k * bit_width)) & ((1 << bit_width) - 1) for k in range(groups * 8)]
            pos += groups * bit_width
    return out[:count]


def max_levels(schema):
    """(max repetition, max definition) per leaf, in order: one per REPEATED node, one per node that
    is not REQUIRED, on its path."""
    leaves, pos = [], 1

    def walk(rep, dfn):
        nonlocal pos
        e = schema[pos]
        pos += 1
        repetition = get(e, 3, 0)
        rep, dfn = rep + (repetition == 2), dfn + (repetition != 0)
        children = get(e, 5)
        if not children:
            leaves.append((rep, dfn))
        for _ in range(children or 0):
            walk(rep, dfn)

    while pos < len(schema):
        walk(0, 0)
    return leaves


def decompress(codec, data):
    return gzip.decompress(data) if codec == 2 else bytes(data)


def compress(codec, data):
    return gzip.compress(data, mtime=0) if codec == 2 else bytes(data)


def to_data_page_v2(src, dst):
    """Rewrites every DataPage v1 of src (UNCOMPRESSED or GZIP) as a DataPage v2: the levels, taken
    out of the decompressed body, stored uncompressed before the values; the values of every other
    page stored uncompressed (is_compressed false) in a GZIP chunk. Returns the page types written."""
    data = pathlib.Path(src).read_bytes()
    footer_len = struct.unpack_from("<I", data, len(data) - 8)[0]
    meta, _ = read_struct(data, len(data) - 8 - footer_len)
    levels = max_levels(get(meta, 2)[1])
    out, types = bytearray(b"PAR1"), []
    for group in get(meta, 4)[1]:
        group_start = len(out)
        for leaf, chunk in enumerate(get(group, 1)[1]):
            m = get(chunk, 3)
            codec = get(m, 4)
            assert codec in (0, 2), codec
            max_rep, max_def = levels[leaf]
            pos = get(m, 11) or get(m, 9)  # the dictionary page, if any, else the first data page
            end, chunk_start, index = pos + get(m, 7), len(out), 0
            while pos < end:
                header, body_at = read_struct(data, pos)
                stored = data[body_at:body_at + get(header, 3)]
                pos = body_at + len(stored)
                if get(header, 1) == 2:  # the dictionary page, as it is
                    put(m, 11, T_I64, len(out))
                    out += write_struct(header) + stored
                    types.append(2)
                    continue
                assert get(header, 1) == 0
                if index == 0:
                    put(m, 9, T_I64, len(out))
                n, encoding = get(get(header, 5), 1), get(get(header, 5), 2)
                body, at, parts = decompress(codec, stored), 0, []
                for max_level in (max_rep, max_def):  # each behind its 4-byte length, if any
                    length = struct.unpack_from("<I", body, at)[0] if max_level else 0
                    parts.append(body[at + 4:at + 4 + length] if max_level else b"")
                    at += 4 + length if max_level else 0
                rep, dfn, values = parts[0], parts[1], body[at:]
                rows = hybrid(rep, max_rep.bit_length(), n).count(0) if max_rep else n
                nulls = sum(d < max_def for d in hybrid(dfn, max_def.bit_length(), n)) if max_def else 0
                compressed = codec != 0 and types.count(3) % 2 == 0  # every other data page of the file
                stored_values = compress(codec, values) if compressed else values
                v2 = [[1, T_I32, n], [2, T_I32, nulls], [3, T_I32, rows], [4, T_I32, encoding],
                      [5, T_I32, len(dfn)], [6, T_I32, len(rep)], [7, T_TRUE, compressed]]
                page = [[1, T_I32, 3], [2, T_I32, len(rep) + len(dfn) + len(values)],
                        [3, T_I32, len(rep) + len(dfn) + len(stored_values)], [8, T_STRUCT, v2]]
                out += write_struct(page) + rep + dfn + stored_values
                types.append(3)
                index += 1
            put(m, 6, T_I64, len(out) - chunk_start)
            put(m, 7, T_I64, len(out) - chunk_start)
            for stats in (get(m, 13) or (None, []))[1]:  # page_encoding_stats: data pages are v2 now
                if get(stats, 1) == 0:
                    put(stats, 1, T_I32, 3)
        put(group, 5, T_I64, group_start)
        put(group, 6, T_I64, len(out) - group_start)
    footer = write_struct(meta)
    out += footer + struct.pack("<I", len(footer)) + b"PAR1"
    pathlib.Path(dst).write_bytes(bytes(out))
    return types


@pytest.mark.parametrize("codec", ["uncompressed", "gzip"])
def test_data_page_v2_reads_as_duckdb_reads(tmp_path, codec):
    path = write_parquet(tmp_path / "v1.parquet", TABLE, f"COMPRESSION {codec}", "ROW_GROUP_SIZE 2048")
    v1 = duckdb(path)
    types = to_data_page_v2(path, tmp_path / "v2.parquet")
    assert types.count(3) >= 3 * 13 and types.count(2) >= 3 * 7 and types.count(0) == 0
    assert duckdb(tmp_path / "v2.parquet")["values"] == v1["values"]  # DuckDB reads the re-framed pages
    assert expect_same_table(tmp_path / "v2.parquet")["values"] == v1["values"]


# ---------- `spikeforge pile` on a shard that DuckDB wrote like the hub's ----------

def shard_rows(folder):
    """DuckDB's rows of the shards under folder, in path order (as `pile` reads them)."""
    rows = []
    for path in sorted(folder.rglob("*.parquet")):
        v = duckdb(path)["values"]
        rows += [{k: v[k][i] for k in v} for i in range(len(v["spike_counts"]))]
    return rows


def write_shard_with_duckdb(path, rows, *options):
    """The rows as a neural-pile shard written by DuckDB: spike_counts UTINYINT[][] and the ids as
    VARCHAR, every column OPTIONAL (through a CSV file of list literals, which DuckDB casts)."""
    source = pathlib.Path(f"{path}.csv")
    with open(source, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["spike_counts", "subject_id", "session_id", "segment_id"])
        for r in rows:
            w.writerow([json.dumps(r["spike_counts"]), r["subject_id"], r["session_id"], r["segment_id"]])
    columns = "{'spike_counts': 'VARCHAR', 'subject_id': 'VARCHAR', 'session_id': 'VARCHAR', 'segment_id': 'VARCHAR'}"
    select = ("SELECT spike_counts::UTINYINT[][] AS spike_counts, subject_id, session_id, segment_id "
              f"FROM read_csv('{source}', header = true, columns = {columns})")
    return write_parquet(path, select, *options)


@pytest.fixture(scope="module")
def shards(tmp_path_factory):
    """A shard folder built by `pile build` (our writer) and the same rows in one shard written by
    DuckDB (snappy, OPTIONAL columns, dictionary-encoded ids and counts)."""
    root = tmp_path_factory.mktemp("foreign_pile")
    make_sessions(root / "nwb", n_subjects=2, per_subject=2, seed=5, units=6, duration_s=40.0)
    run_cli("pile", "build", root / "nwb", "-o", root / "ours", "--max-tokens", 3000, "-q")
    rows = shard_rows(root / "ours")
    (root / "duckdb").mkdir()
    shard = write_shard_with_duckdb(root / "duckdb" / "train-00000-of-00001.parquet", rows, "COMPRESSION snappy",
                                    "DICTIONARY_SIZE_LIMIT 1000")  # as pyarrow, a dictionary for the counts too
    meta = duckdb(shard, "--no-values")
    assert all(e["repetition_type"] != "REQUIRED" for e in meta["schema"][1:])
    assert all(c["compression"] == "SNAPPY" for c in meta["row_groups"])
    assert all(is_dictionary(c) for c in meta["row_groups"] if c["path_in_schema"] in ("subject_id", "session_id"))
    assert all(is_dictionary(c) for c in meta["row_groups"])
    return root, rows, shard


def test_pile_motifs_of_a_duckdb_shard_equal_those_of_our_own(shards, tmp_path):
    root, rows, shard = shards
    assert len(rows) > 4
    run_cli("pile", "motifs", shard, "--patch", "1x10", "-o", tmp_path / "theirs.parquet", "-q")
    run_cli("pile", "motifs", root / "ours", "--patch", "1x10", "-o", tmp_path / "ours.parquet", "-q")
    theirs = duckdb(tmp_path / "theirs.parquet")["values"]
    assert theirs == duckdb(tmp_path / "ours.parquet")["values"]
    patches, counts = ref_motifs([np.array(r["spike_counts"], dtype=np.uint8) for r in rows], 1, 10)
    assert theirs["patch"] == patches
    assert [int(c) for c in theirs["frequency"]] == counts


def test_pile_reorder_of_a_duckdb_shard_follows_scipys_leaf_order(shards, tmp_path):
    _, rows, shard = shards
    run_cli("pile", "reorder", shard, "-o", tmp_path / "re", "--threads", 2, "-q")
    before = {(r["subject_id"], r["session_id"], r["segment_id"]): np.array(r["spike_counts"]) for r in rows}
    after = shard_rows(tmp_path / "re")
    assert len(after) == len(before)
    for r in after:
        x = before[(r["subject_id"], r["session_id"], r["segment_id"])]
        assert np.array_equal(np.array(r["spike_counts"]), x[ref_order(x.astype(np.float64))])


def test_a_shard_with_a_null_id_is_one_clear_error(shards, tmp_path):
    _, rows, _ = shards
    shard = write_shard_with_duckdb(tmp_path / "null.parquet", rows, "COMPRESSION snappy")
    nulled = tmp_path / "nulled.parquet"
    write_parquet(nulled, f"SELECT spike_counts, subject_id, CASE WHEN segment_id = '{rows[2]['segment_id']}' "
                  f"AND session_id = '{rows[2]['session_id']}' AND subject_id = '{rows[2]['subject_id']}' "
                  f"THEN NULL ELSE session_id END AS session_id, segment_id FROM read_parquet('{shard}')")
    proc = run_cli("pile", "motifs", nulled, "--patch", "1x10", "-o", tmp_path / "m.parquet", check=False)
    assert proc.returncode == 3, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and str(nulled) in lines[0], proc.stderr
    assert "column 'session_id'" in lines[0] and "row 2 (row 2 of row group 0) is null" in lines[0], proc.stderr
    assert not (tmp_path / "m.parquet").exists()
