"""The CLI's commands from Python, run in this process by the same C++ code as ``spikeforge``.

``run_command("pile", "build", "session.nwb", "-o", "pile")`` is exactly
``spikeforge pile build session.nwb -o pile``: every option, output file and message is the
CLI's (docs/*.md describe them). The named helpers below build the argument list from keyword
arguments: ``bin_ms=20`` becomes ``--bin-ms 20``, ``quiet=True`` becomes ``--quiet``,
``False``/``None`` are left out and a list becomes one argument per element (options that take
comma-separated lists take a string). Errors raise :class:`spikeforge.ConfigError` (bad
options, the CLI's exit code 2), :class:`spikeforge.InputError` (malformed input, exit 3) or
:class:`spikeforge.SpikeforgeIOError` / :class:`spikeforge.SpikeforgeError` (exit 1).

``calcium train`` runs in its own process (``spikeforge-calcium-train``, the only program that
loads libtorch), from Python as from the CLI.
"""
import os
import subprocess

from . import _core

try:  # written by the build: where the build tree's executables are
    from ._build_paths import BIN_DIR
except ImportError:  # pragma: no cover - a package copied without its build
    BIN_DIR = None


def _flag_arguments(options):
    """Keyword options as CLI words, in the order given."""
    words = []
    for key, value in options.items():
        flag = "--" + key.replace("_", "-")
        if value is None or value is False:
            continue
        if value is True:
            words.append(flag)
        elif isinstance(value, (list, tuple)):
            words.append(flag)
            words.extend(str(v) for v in value)
        else:
            words.extend([flag, os.fspath(value) if isinstance(value, os.PathLike) else str(value)])
    return words


def run_command(*args):
    """Runs one CLI command line (without the leading ``spikeforge``) in this process; returns 0
    or raises. ``calcium train`` is run as its own program (see the module's help)."""
    words = [os.fspath(a) if isinstance(a, os.PathLike) else str(a) for a in args]
    if words[:2] == ["calcium", "train"]:
        return _run_training(words[2:])
    return _core.run_command(words)


def command(*words, **options):
    """``run_command(*words, *flags(options))``: positional words then keyword options."""
    return run_command(*words, *_flag_arguments(options))


def _run_training(args):
    if BIN_DIR is None or not os.path.exists(os.path.join(BIN_DIR, "spikeforge-calcium-train")):
        raise _core.SpikeforgeError("calcium train: spikeforge-calcium-train is not built (looked in %s)" % BIN_DIR)
    proc = subprocess.run([os.path.join(BIN_DIR, "spikeforge-calcium-train"), "train", *args],
                          stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        message = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed"
        message = message.replace("spikeforge: error: ", "", 1)
        raise {2: _core.ConfigError, 3: _core.InputError}.get(proc.returncode, _core.SpikeforgeError)(message)
    return 0


def _action_command(group, doc):
    def run(action, *inputs, **options):
        return command(group, action, *inputs, **options)
    run.__name__ = group
    run.__doc__ = doc
    return run


pile = _action_command("pile", """NWB sessions -> the neural-pile dataset (docs/pile.md):
``pile(action, *inputs, **options)`` with action build, merge, raster, motifs, tokenize, encode or
reorder, e.g. ``pile("build", "sessions/", out="pile", bin_ms=20)``.""")

braingrid = _action_command("braingrid", """BrainGrid cultures (docs/braingrid.md):
``braingrid(action, *inputs, **options)`` with action table, windows or synth, e.g.
``braingrid("windows", "culture.h5", bursts="allBurst.csv", out="windows")``.""")


def plot(kind, *files, **options):
    """Writes a figure with the CLI's ``plot`` (docs/plotting.md), e.g.
    ``plot("raster", "spikes.h5", out="raster.png")``; returns the output path. For figures as
    matplotlib objects see :mod:`spikeforge.figures`."""
    command("plot", kind, *files, **options)
    return options.get("out")


def report(*args, **options):
    """The seed notebook's report figures for a run (``spikeforge report``)."""
    return command("report", *args, **options)


def theory(*args, **options):
    """Mean-field theory of a network (``spikeforge theory``)."""
    return command("theory", *args, **options)


def convert(*files, **options):
    """Converts spike files (``spikeforge convert``), e.g. ``convert("in.gdf", out="out.nwb")``."""
    return command("convert", *files, **options)
