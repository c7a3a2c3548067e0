"""hubtui's version line, and the installed versions it names: read without importing them or the packages'
metadata machinery, so that `hubtui --version` is as quick as the interpreter's own start."""

from __future__ import annotations

from . import __version__


def version_text() -> str:
    """`hubtui 0.1.0 (Python 3.11.2, Textual 8.2.8, kubernetes 37.1.0)`: what a bug report needs, read from the
    installed packages' records (nothing is imported: --version stays as quick as --help)."""
    import sys

    return (f"hubtui {__version__} (Python {sys.version.split()[0]}, Textual {installed_version('textual')}, "
            f"kubernetes {installed_version('kubernetes')})")


def installed_version(package: str) -> str:
    """The installed version of `package`, from the name of its `NAME-VERSION.dist-info` folder on sys.path
    (a listing; importlib.metadata costs 30 ms to import), else from importlib.metadata; "not installed"."""
    import os
    import sys

    prefix = package.lower().replace("-", "_") + "-"
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if name.endswith(".dist-info") and name.lower().startswith(prefix):
                return name[len(prefix):-len(".dist-info")]
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"
