"""Lets ``import pyNN.spikeforge`` find spikeforge's PyNN backend.

PyNN (Debian's python3-pynn) is a regular package in /usr/lib/python3/dist-packages, so a
backend living elsewhere is not found as ``pyNN.<name>`` by the normal path search. This module
adds one meta-path finder that resolves exactly the name ``pyNN.spikeforge`` to the folder
``pynn_spikeforge`` next to this file; its submodules are then found through the package's
``__path__`` as usual. Nothing else is touched, and nothing is written into PyNN's folder.

It is activated by the ``spikeforge.pth`` file of the same folder (processed when that folder is
a site directory: ``site.addsitedir(<build>/python)``, which the setup script's .pth does).
"""
import importlib.abc
import importlib.util
import os
import sys

BACKEND_NAME = "pyNN.spikeforge"
BACKEND_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pynn_spikeforge")


class BackendFinder(importlib.abc.MetaPathFinder):
    """Finds ``pyNN.spikeforge`` in ``directory``; declines every other name."""

    is_spikeforge_backend_finder = True  # recognised by install(), whichever copy defined it

    def __init__(self, directory):
        self.directory = directory

    def find_spec(self, fullname, path=None, target=None):
        if fullname != BACKEND_NAME:
            return None
        return importlib.util.spec_from_file_location(
            fullname, os.path.join(self.directory, "__init__.py"),
            submodule_search_locations=[self.directory])


def install(directory=BACKEND_DIR):
    """Puts a finder for ``directory`` first, replacing one installed earlier (e.g. by another
    build tree's .pth), so that tests can point at their own build."""
    sys.meta_path[:] = [f for f in sys.meta_path if not getattr(f, "is_spikeforge_backend_finder", False)]
    sys.meta_path.insert(0, BackendFinder(directory))
