"""Layout of the files sf::io writes, checked with h5py (what most users open them with).

The files come from the C++ unit-test binary: its test io_layout_fixtures.* writes one small
SONATA spike file, NWB units file and state report into $SF_IO_LAYOUT_DIR. The binary is found
through $SF_UNIT_IO, else build/bin/sf_unit_io of this repository; without it the tests fail.
Run with Debian's Python: /usr/bin/python3 -m pytest tests/python/test_io_layout.py

The fixture run: dt = 0.1 ms, populations exc (3 nodes) and inh (2 nodes); spikes
(step, population, node) = (10, exc, 2), (10, exc, 0), (20, exc, 2), (15, inh, 1), (30, exc, 0);
probe exc/v on nodes [2, 0] every 5 steps from step 5, three samples.
"""

import os
import pathlib
import re
import subprocess

import h5py
import numpy as np
import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def _binary():
    candidate = pathlib.Path(os.environ.get("SF_UNIT_IO", REPO / "build" / "bin" / "sf_unit_io"))
    return candidate if candidate.is_file() else None


@pytest.fixture(scope="module")
def layout_dir(tmp_path_factory):
    binary = _binary()
    assert binary is not None, "sf_unit_io is not built: run scripts/setup (or set SF_UNIT_IO)"
    out = tmp_path_factory.mktemp("io_layout")
    env = dict(os.environ, SF_IO_LAYOUT_DIR=str(out))
    subprocess.run([str(binary), "--gtest_filter=io_layout_fixtures.*"], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return out


def check_provenance(attrs):
    assert attrs["spikeforge_version"] == "0.1.0"
    assert attrs["config"].startswith("[simulation]")
    assert attrs["seed"] == 12345678901234
    assert attrs["threads"] == 4 and attrs["ranks"] == 2
    assert attrs["created_utc"] == "2026-11-22T04:00:00Z"
    assert attrs["command_line"] == "spikeforge simulate --config net.toml"


def check_sonata_header(attrs):
    assert attrs["magic"] == 0x0A7A and attrs["magic"].dtype == np.uint32
    assert list(attrs["version"]) == [0, 1] and attrs["version"].dtype == np.uint32


def test_no_temporary_files_are_left(layout_dir):
    assert sorted(p.name for p in layout_dir.iterdir()) == ["report.h5", "spikes.h5", "units.nwb"]


def test_sonata_spike_file(layout_dir):
    with h5py.File(layout_dir / "spikes.h5", "r") as f:
        check_sonata_header(f.attrs)
        check_provenance(f.attrs)
        assert sorted(f["spikes"]) == ["exc", "inh"]
        exc = f["spikes/exc"]
        sorting = h5py.check_enum_dtype(exc.attrs.get_id("sorting").dtype)
        assert sorting == {"none": 0, "by_id": 1, "by_time": 2}
        assert exc.attrs["sorting"] == sorting["by_time"]
        assert exc["timestamps"].dtype == np.float64 and exc["timestamps"].attrs["units"] == "ms"
        assert exc["node_ids"].dtype == np.uint64
        np.testing.assert_allclose(exc["timestamps"][()], [1.0, 1.0, 2.0, 3.0])
        assert list(exc["node_ids"][()]) == [2, 0, 2, 0]
        np.testing.assert_allclose(f["spikes/inh/timestamps"][()], [1.5])
        assert list(f["spikes/inh/node_ids"][()]) == [1]


def test_nwb_units_file(layout_dir):
    with h5py.File(layout_dir / "units.nwb", "r") as f:
        assert f.attrs["namespace"] == "core"
        assert f.attrs["neurodata_type"] == "NWBFile"
        assert f.attrs["nwb_version"] == "2.5.0"
        assert UUID4.fullmatch(f.attrs["object_id"])
        check_provenance(f.attrs)
        for name in ["identifier", "session_description", "session_start_time",
                     "timestamps_reference_time"]:
            assert f[name].shape == ()
        assert f["session_start_time"].asstr()[()] == "2026-11-22T04:00:00Z"
        assert f["file_create_date"].shape == (1,)
        for group in ["acquisition", "analysis", "processing", "stimulus/presentation",
                      "stimulus/templates", "general"]:
            assert isinstance(f[group], h5py.Group)

        units = f["units"]
        assert units.attrs["neurodata_type"] == "Units"
        assert list(units.attrs["colnames"]) == ["spike_times", "population", "node_id"]
        assert list(units["id"][()]) == [0, 1, 2, 3, 4] and units["id"].dtype == np.int64
        assert list(units["population"].asstr()[()]) == ["exc", "exc", "exc", "inh", "inh"]
        assert list(units["node_id"][()]) == [0, 1, 2, 0, 1]
        index = units["spike_times_index"]
        assert index.attrs["neurodata_type"] == "VectorIndex"
        assert f[index.attrs["target"]].name == "/units/spike_times"

        # The ragged column, unit by unit, in seconds.
        times = units["spike_times"][()]
        ends = index[()]
        per_unit = np.split(times, ends[:-1])
        expected = [[0.001, 0.003], [], [0.001, 0.002], [], [0.0015]]
        assert len(per_unit) == len(expected)
        for got, want in zip(per_unit, expected):
            np.testing.assert_allclose(got, want)


def test_state_report(layout_dir):
    with h5py.File(layout_dir / "report.h5", "r") as f:
        check_sonata_header(f.attrs)
        check_provenance(f.attrs)
        v = f["report/exc/v"]
        assert v["data"].shape == (3, 2) and v["data"].attrs["units"] == "mV"
        np.testing.assert_allclose(v["data"][()], [[-70, -65], [-69, -64], [-68, -63]])
        assert list(v["mapping/node_ids"][()]) == [2, 0]
        assert list(v["mapping/index_pointers"][()]) == [0, 1, 2]
        assert list(v["mapping/element_ids"][()]) == [0, 0]
        # rows at steps 5, 10, 15 with dt = 0.1 ms: start 0.5, stop 2.0 (open end), every 0.5 ms
        np.testing.assert_allclose(v["mapping/time"][()], [0.5, 2.0, 0.5])
        assert v["mapping/time"].attrs["units"] == "ms"
