"""Input paths: a missing file is a FileNotFoundError (and a SpikeforgeIOError), so that
``except FileNotFoundError`` works as it does for Python's own open()."""
import errno
import os

from ._core import SpikeforgeIOError


class SpikeforgeFileNotFoundError(SpikeforgeIOError, FileNotFoundError):
    """An input file or folder that does not exist (errno ENOENT, filename set)."""

    def __str__(self):
        # The CLI's one line, not OSError's "[Errno 2] ...: 'path'" (which it makes once
        # filename is set).
        return str(self.args[0]) if self.args else super().__str__()


def existing(path):
    """``path`` as a str; raises SpikeforgeFileNotFoundError ("<path>: no such file") if absent."""
    path = os.fspath(path)
    if not os.path.exists(path):
        error = SpikeforgeFileNotFoundError("%s: no such file" % path)
        error.errno, error.filename = errno.ENOENT, path
        raise error
    return path
