"""`spikeforge plot`: every kind writes a PNG that decodes (header, IHDR size, zlib-inflated rows with
blue/red pixels where populations are drawn) and an SVG that parses as XML; bad usage is one line."""
import struct
import xml.etree.ElementTree as ET
import zlib

import h5py
import numpy as np
import pytest

from conftest import run_cli

KINDS = ["raster", "rate", "rates-heatmap", "stats"]


def write_sonata(path, populations, t_stop_ms=1000.0, seed=3):
    """populations: {name: (n_units, rate_hz)}; Poisson spikes in [0, t_stop)."""
    rng = np.random.default_rng(seed)
    with h5py.File(path, "w") as f:
        for name, (n, rate) in populations.items():
            k = max(n, rng.poisson(n * rate * t_stop_ms / 1000.0))
            t = np.sort(rng.uniform(0, t_stop_ms, size=k))
            g = f.create_group(f"spikes/{name}")
            g.create_dataset("timestamps", data=t).attrs["units"] = "ms"
            ids = rng.integers(0, n, size=k).astype(np.uint64)
            ids[:n] = np.arange(n)  # every unit present
            g.create_dataset("node_ids", data=ids)


def read_png(path):
    """Decodes an 8-bit RGB(A) non-interlaced PNG with zlib: returns (width, height, pixels[h, w, c])."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = ihdr
    assert depth == 8 and colour in (2, 6) and interlace == 0
    channels = 4 if colour == 6 else 3
    raw = zlib.decompress(idat)
    stride = width * channels
    out = np.zeros((height, stride), dtype=np.int32)
    prev = np.zeros(stride, dtype=np.int32)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = np.frombuffer(raw, dtype=np.uint8, count=stride, offset=y * (stride + 1) + 1).astype(np.int32)
        cur = np.zeros(stride, dtype=np.int32)
        for x in range(stride):  # PNG filters (spec section 9)
            a = cur[x - channels] if x >= channels else 0
            b = prev[x]
            c = prev[x - channels] if x >= channels else 0
            if f == 0:
                v = line[x]
            elif f == 1:
                v = line[x] + a
            elif f == 2:
                v = line[x] + b
            elif f == 3:
                v = line[x] + (a + b) // 2
            else:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                v = line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)
            cur[x] = v & 0xFF
        out[y] = cur
        prev = cur
    return width, height, out.reshape(height, width, channels)


@pytest.fixture
def ei_file(tmp_path):
    path = tmp_path / "ei.h5"
    write_sonata(path, {"exc": (80, 8.0), "inh": (20, 20.0)})
    return path


@pytest.mark.parametrize("kind", KINDS)
def test_png_decodes_with_expected_size_and_colours(binary, tmp_path, ei_file, kind):
    out = tmp_path / f"{kind}.png"
    run_cli("plot", kind, ei_file, "-o", out, "--width", 640, "--height", 420)
    width, height, px = read_png(out)
    assert width == 640
    assert height >= 420
    rgb = px[..., :3]
    dark = np.all(rgb < 60, axis=-1).sum()
    assert dark > 500, "axes, ticks and text are drawn in black"
    if kind != "rates-heatmap":  # exc is blue, inh is red (names typed by 'exc'/'inh')
        blue = ((rgb[..., 2] > 150) & (rgb[..., 0] < 80)).sum()
        red = ((rgb[..., 0] > 180) & (rgb[..., 1] < 80) & (rgb[..., 2] < 80)).sum()
        assert blue > 50 and red > 20, (blue, red)
    assert not (tmp_path / f"{kind}.png.tmp").exists()


@pytest.mark.parametrize("kind", KINDS)
def test_svg_parses_with_text(binary, tmp_path, ei_file, kind):
    out = tmp_path / f"{kind}.svg"
    run_cli("plot", kind, ei_file, "-o", out, "--title", f"my {kind} figure")
    root = ET.parse(out).getroot()
    assert root.tag.endswith("svg")
    assert float(root.get("width").rstrip("pt")) == 1000
    # cairo writes text as glyph outlines (<symbol>/<use>), so check that glyphs are used at all.
    uses = [e for e in root.iter() if e.tag.endswith("use")]
    assert len(uses) > 20


def test_raster_subsample_is_seeded_and_thins(binary, tmp_path, ei_file):
    a, b, full = tmp_path / "a.png", tmp_path / "b.png", tmp_path / "full.png"
    run_cli("plot", "raster", ei_file, "--subsample", 0.1, "--seed", 4, "-o", a)
    run_cli("plot", "raster", ei_file, "--subsample", 0.1, "--seed", 4, "-o", b)
    run_cli("plot", "raster", ei_file, "-o", full)
    assert a.read_bytes() == b.read_bytes()

    def coloured(path):
        rgb = read_png(path)[2][..., :3]
        return ((rgb[..., 2] > 150) & (rgb[..., 0] < 80)).sum()

    assert coloured(a) < 0.5 * coloured(full)


def test_heatmap_of_areas(binary, tmp_path):
    path = tmp_path / "mam.h5"
    write_sonata(path, {"V1_23E": (20, 3.0), "V1_23I": (10, 9.0), "V2_23E": (20, 5.0), "V2_23I": (10, 15.0)})
    out = tmp_path / "heat.png"
    run_cli("plot", "rates-heatmap", path, "-o", out)
    width, height, px = read_png(out)
    assert (width, height) == (1000, 650)
    # Two columns (areas) x two rows (populations) of viridis cells: many distinct saturated colours.
    rgb = px[..., :3].reshape(-1, 3)
    saturated = rgb[(rgb.max(axis=1) - rgb.min(axis=1)) > 60]
    assert len(saturated) > 100_000


def test_bad_usage_is_one_line(binary, tmp_path, ei_file):
    for args, code in [(["raster", ei_file, "-o", tmp_path / "x.pdf"], 2),
                       (["histogram", ei_file, "-o", tmp_path / "x.png"], 2),
                       (["raster", ei_file, "--subsample", 0, "-o", tmp_path / "x.png"], 2),
                       (["raster", ei_file, "--populations", "nope", "-o", tmp_path / "x.png"], 2)]:
        proc = run_cli("plot", *args, check=False)
        assert proc.returncode == code, proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1
    (tmp_path / "junk.h5").write_bytes(b"junk")
    proc = run_cli("plot", "raster", tmp_path / "junk.h5", "-o", tmp_path / "x.png", check=False)
    assert proc.returncode == 3 and len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x.png").exists() and not (tmp_path / "x.png.tmp").exists()
