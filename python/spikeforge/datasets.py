"""Neural-pile datasets (docs/pile.md) as numpy: the rows of the Parquet shards that
``spikeforge.pile("build" | "merge" | "reorder" | ...)`` write, and shards from Python rows.

A row is a dict: spike_counts (uint8 array, units x 20 ms bins by default), subject_id,
session_id, segment_id, source_dataset ("" before ``pile merge``).
"""
from . import _core
from ._files import existing


def pile_shards(*inputs, split=""):
    """The shard files of a dataset (.parquet files, or folders searched recursively); with
    ``split`` ("train", "test"), only pile merge's files of that split."""
    return _core.pile_shard_files([existing(p) for p in inputs], split)


def read_pile(*inputs, split=""):
    """Yields every row of the shards, in file order, one row group in memory at a time (so a
    dataset larger than RAM can be streamed)."""
    for path in pile_shards(*inputs, split=split):
        shard = _core.PileShard(path)
        for group in range(shard.row_groups):
            yield from shard.read_row_group(group)


def write_pile_shard(path, rows):
    """Writes rows (dicts as :func:`read_pile` yields; source_dataset is not written) as one
    shard, atomically, readable by ``spikeforge pile`` and by pyarrow/DuckDB."""
    _core.write_pile_shard(str(path), list(rows))
