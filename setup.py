"""`pip install .` for the Python module `spikeforge` and the PyNN backend `pyNN.spikeforge`.

Offline, with Debian's pip, setuptools and wheel (there is no pyproject.toml on purpose: with one,
pip would build in an isolated environment and try to download setuptools):

    pip install --no-build-isolation --break-system-packages .   # or inside a venv made with
                                                                  # --system-site-packages (numpy, PyNN)

The C++ is built with CMake (Release, Ninja) in the folder SPIKEFORGE_BUILD_DIR (default build/,
the setup script's; an existing build there is reused incrementally), then the package folder
build/python is installed as it is: spikeforge/ (with the _core extension), pynn_spikeforge/,
pynn_spikeforge_finder.py and a .pth file that makes `import pyNN.spikeforge` find the backend.
"""
import os
import pathlib
import shutil
import subprocess

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py

ROOT = pathlib.Path(__file__).resolve().parent
BUILD = pathlib.Path(os.environ.get("SPIKEFORGE_BUILD_DIR", ROOT / "build")).resolve()


def read_version():
    for line in (ROOT / "CMakeLists.txt").read_text().splitlines():
        if line.startswith("project(spikeforge VERSION"):
            return line.split("VERSION", 1)[1].split()[0]
    raise RuntimeError("CMakeLists.txt: no project version")


class build_with_cmake(build_py):
    """Builds the extension with CMake, then copies the built package tree into the wheel."""

    def run(self):
        subprocess.check_call(["cmake", "-S", str(ROOT), "-B", str(BUILD), "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release"])
        subprocess.check_call(["cmake", "--build", str(BUILD), "--target", "sf_python_core", "spikeforge",
                               "-j", str(os.cpu_count() or 1)])
        built = BUILD / "python"
        target = pathlib.Path(self.build_lib)
        for folder in ("spikeforge", "pynn_spikeforge"):
            shutil.copytree(built / folder, target / folder, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy2(built / "pynn_spikeforge_finder.py", target)
        # The .pth is processed by site.py in site-packages: it installs the pyNN.spikeforge finder.
        shutil.copy2(built / "spikeforge.pth", target / "spikeforge-pynn.pth")


class prebuilt_distribution(Distribution):
    """The packages come from the CMake build, not from setuptools' package list: say that there
    are modules (so that build_py runs) and that they are binary (a platform wheel)."""

    def has_pure_modules(self):
        return True

    def has_ext_modules(self):
        return True


setup(
    distclass=prebuilt_distribution,
    name="spikeforge",
    version=read_version(),
    description="Simulate spiking networks, read and analyse spike data, build ML datasets (C++ engine)",
    license="see LICENSE",
    python_requires=">=3.9",
    packages=[],
    cmdclass={"build_py": build_with_cmake},
    # setuptools' own scratch space, kept apart from the CMake tree in build/.
    options={"build": {"build_base": str(BUILD / "setuptools")}},
    zip_safe=False,
)
