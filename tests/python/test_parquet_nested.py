"""String, list<list<uint8>>, list<uint8> and list<uint32> Parquet columns (issue 5, the neural-pile
shards) read back by DuckDB, an implementation independent of spikeforge's (npm @duckdb/node-api via
tests/js/read_parquet.mjs).

The files come from `parquet_fixture_writer OUT_DIR`, an internal test program built beside the CLI
(bin/parquet_fixture_writer; SF_PARQUET_FIXTURE_WRITER overrides). The values expected here are
restated from its header comment, not read from it. The schema must be the one pyarrow writes for
non-nullable list<list<uint8>>, list<uint8> and list<uint32> fields and non-null strings (docs/io.md,
"Parquet").

These tests fail (never skip) when node, the npm packages or the fixture writer are missing."""
import os
import pathlib
import subprocess

import pytest

from conftest import BINARY, duckdb

FIXTURE_WRITER = pathlib.Path(os.environ.get("SF_PARQUET_FIXTURE_WRITER", BINARY.parent / "parquet_fixture_writer"))

STRING_COLUMNS = ["subject_id", "session_id", "segment_id", "source_dataset"]
SMALL = {
    "spike_counts": [[], [[], []], [[255]], [[0, 1, 2], [3, 4, 250]]],
    "subject_id": ["", "sub-\u03b1", "Gr\u00fc\u00dfe \U0001f9e0", "plain"],
    "session_id": ["ses-1", "ses-1", "ses-2", "\"quoted\" \\ tab\t"],
    "segment_id": ["0", "1", "2", "3"],
    "source_dataset": ["ibl", "ibl", "allen", "dandi:000026"],
}

# What pyarrow writes for pa.field("spike_counts", pa.list_(pa.list_(pa.uint8())), nullable=False):
# (name, type, repetition, converted type, logical type) per schema element, depth first.
LIST_SCHEMA = [
    ("spike_counts", None, "REQUIRED", "LIST", "ListType()"),
    ("list", None, "REPEATED", None, None),
    ("element", None, "OPTIONAL", "LIST", "ListType()"),
    ("list", None, "REPEATED", None, None),
    ("element", "INT32", "OPTIONAL", "UINT_8", "IntType(bitWidth=\x08, isSigned=0)"),
]

FLAT = {
    "bins": [[], [0, 255], [7], [], [1, 2, 3]],
    "ids": [[], [0, 2**31, 2**32 - 1], [1], [2**31 - 1, 5], []],
}

# What pyarrow writes for pa.field("bins", pa.list_(pa.uint8()), nullable=False) and
# pa.field("ids", pa.list_(pa.uint32()), nullable=False). (DuckDB prints IntType's 8-bit bitWidth as
# a character: 8 is "\x08", 32 is " ".)
FLAT_SCHEMA = [
    ("bins", None, "REQUIRED", "LIST", "ListType()"),
    ("list", None, "REPEATED", None, None),
    ("element", "INT32", "OPTIONAL", "UINT_8", "IntType(bitWidth=\x08, isSigned=0)"),
    ("ids", None, "REQUIRED", "LIST", "ListType()"),
    ("list", None, "REPEATED", None, None),
    ("element", "INT32", "OPTIONAL", "UINT_32", "IntType(bitWidth= , isSigned=0)"),
]


@pytest.fixture(scope="module")
def fixtures(tmp_path_factory):
    assert FIXTURE_WRITER.exists(), f"{FIXTURE_WRITER} is missing: build the parquet_fixture_writer target"
    out = tmp_path_factory.mktemp("parquet_fixtures")
    subprocess.run([str(FIXTURE_WRITER), str(out)], check=True, timeout=600, stdin=subprocess.DEVNULL)
    return out


def large_row(r):
    units, bins = (30, 40) if r < 300 else (300, 1000)
    return [[(r + 3 * u + 7 * b) % 256 for b in range(bins)] for u in range(units)]


def schema_rows(got):
    return [(e["name"], e["type"], e["repetition_type"], e["converted_type"], e["logical_type"])
            for e in got["schema"][1:]]


def test_small_values_and_types_are_exact(fixtures):
    got = duckdb(fixtures / "small.parquet")
    assert got["columns"] == [{"name": "spike_counts", "type": "UTINYINT[][]"}] + \
        [{"name": c, "type": "VARCHAR"} for c in STRING_COLUMNS]
    assert got["rows"] == 4
    assert got["values"] == SMALL
    assert got["file"]["num_row_groups"] == "2"


def test_schema_is_what_pyarrow_writes(fixtures):
    got = duckdb(fixtures / "small.parquet", "--no-values")
    assert got["schema"][0]["num_children"] == "5"
    rows = schema_rows(got)
    assert rows[:5] == LIST_SCHEMA
    assert rows[5:] == [(c, "BYTE_ARRAY", "REQUIRED", "UTF8", "StringType()") for c in STRING_COLUMNS]


def test_small_chunk_metadata(fixtures):
    got = duckdb(fixtures / "small.parquet", "--no-values")
    chunks = {(c["row_group_id"], c["path_in_schema"]): c for c in got["row_groups"]}
    lists = "spike_counts, list, element, list, element"
    # Levels: row group 0 has an empty row (1 level) and 2 empty inner lists (2 levels), no value.
    assert chunks[("0", lists)]["num_values"] == "3"
    assert chunks[("0", lists)]["stats_null_count"] == "3"
    assert chunks[("0", lists)]["stats_min_value"] is None
    assert chunks[("1", lists)]["num_values"] == "7"
    assert chunks[("1", lists)]["stats_null_count"] == "0"
    assert (chunks[("1", lists)]["stats_min_value"], chunks[("1", lists)]["stats_max_value"]) == ("0", "255")
    # Strings: min/max by unsigned bytes ("" < "sub-..."; "Gr..." < "plain").
    assert (chunks[("0", "subject_id")]["stats_min_value"], chunks[("0", "subject_id")]["stats_max_value"]) == \
        ("", "sub-\u03b1")
    assert (chunks[("1", "subject_id")]["stats_min_value"], chunks[("1", "subject_id")]["stats_max_value"]) == \
        ("Gr\u00fc\u00dfe \U0001f9e0", "plain")
    for c in got["row_groups"]:
        assert c["encodings"] == "PLAIN, RLE" and c["compression"] == "ZSTD"
        assert c["dictionary_page_offset"] is None


def test_large_rows_over_several_pages_and_row_groups(fixtures):
    got = duckdb(fixtures / "large.parquet")
    assert got["columns"] == [{"name": "spike_counts", "type": "UTINYINT[][]"},
                              {"name": "session_id", "type": "VARCHAR"}]
    assert got["rows"] == 301
    assert got["values"]["session_id"] == [f"s{r}" for r in range(301)]
    counts = got["values"]["spike_counts"]
    assert len(counts) == 301
    for r, row in enumerate(counts):
        assert row == large_row(r), f"row {r} differs"
    chunks = [c for c in got["row_groups"] if c["path_in_schema"].startswith("spike_counts")]
    assert [c["row_group_num_rows"] for c in chunks] == ["150", "151"]
    assert [c["num_values"] for c in chunks] == [str(150 * 1200), str(151 * 1200 + 300 * 1000 - 1200)]
    assert all(c["compression"] == "UNCOMPRESSED" for c in chunks)


def test_flat_lists_values_types_and_schema_are_exact(fixtures):
    got = duckdb(fixtures / "flat.parquet")
    assert [(c["name"], c["type"]) for c in got["columns"]] == [("bins", "UTINYINT[]"), ("ids", "UINTEGER[]")]
    assert (got["rows"], got["file"]["num_row_groups"]) == (5, "2")
    assert got["values"] == FLAT
    assert got["schema"][0]["num_children"] == "2"
    assert schema_rows(got) == FLAT_SCHEMA


def test_flat_list_chunk_metadata(fixtures):
    got = duckdb(fixtures / "flat.parquet", "--no-values")
    chunks = {(c["row_group_id"], c["path_in_schema"]): c for c in got["row_groups"]}
    bins, ids = "bins, list, element", "ids, list, element"
    # (levels = values + empty rows, empty rows, min, max) per row group; u32 in unsigned order.
    expected = {
        ("0", bins): ("4", "1", "0", "255"),
        ("0", ids): ("5", "1", "0", "4294967295"),
        ("1", bins): ("4", "1", "1", "3"),
        ("1", ids): ("3", "1", "5", "2147483647"),
    }
    for key, (levels, nulls, lo, hi) in expected.items():
        c = chunks[key]
        assert (c["num_values"], c["stats_null_count"], c["stats_min_value"], c["stats_max_value"]) == \
            (levels, nulls, lo, hi), key
        assert c["encodings"] == "PLAIN, RLE" and c["compression"] == "ZSTD"
        assert c["type"] == "INT32"


def flat_large_row(r):
    n = 37 * r % 3001
    return [(r + 3 * i) % 256 for i in range(n)], [(2654435761 * r + 40503 * i) % 2**32 for i in range(n)]


def test_flat_large_rows_over_several_pages(fixtures):
    got = duckdb(fixtures / "flat_large.parquet")
    assert got["columns"] == [{"name": "bins", "type": "UTINYINT[]"}, {"name": "ids", "type": "UINTEGER[]"}]
    assert got["rows"] == 400
    for r in range(400):
        bins, ids = flat_large_row(r)
        assert got["values"]["bins"][r] == bins, f"bins row {r} differs"
        assert got["values"]["ids"][r] == ids, f"ids row {r} differs"
    levels = sum(max(37 * r % 3001, 1) for r in range(400))
    for c in got["row_groups"]:
        assert c["num_values"] == str(levels)
        assert c["compression"] == "UNCOMPRESSED"
        # Over 2 MiB of INT32 values: at least three pages of at most 1 MiB each.
        assert int(c["total_uncompressed_size"]) > 2 * 2**20
