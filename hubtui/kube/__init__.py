"""All Kubernetes API access. No textual here: the CLI and the TUI both stand on this."""

from __future__ import annotations

import sys
import threading

_LOCK = threading.Lock()  # the first typed call may come from several threads at once (detail, log, cleanup pools)


def _late(name: str):
    """What the package's __init__ would have set and a submodule reads (kubernetes.dynamic imports
    __version__), from the client, which says the same version."""
    if name == "__version__":
        from kubernetes.client import __version__

        return __version__
    raise AttributeError(f"module 'kubernetes' has no attribute {name!r}")


def bare_package() -> None:
    """`kubernetes` as a bare package: `from kubernetes import client` then loads the client alone.

    The package's own __init__ imports config, dynamic, watch, stream, utils, leaderelection and informer
    (google-auth, requests-oauthlib, pydantic…): about 0.45 s of every command that uses the typed client,
    though hubtui reads kubeconfigs itself (kube/kubeconfig.py) and loads the library's loader only for what
    only it reads (`from kubernetes import config` still works: each submodule loads when first imported).
    Nothing is done when the package is loaded already."""
    if "kubernetes" in sys.modules:
        return
    import importlib.util

    with _LOCK:
        if "kubernetes" in sys.modules:
            return
        spec = importlib.util.find_spec("kubernetes")
        if spec is None or not spec.submodule_search_locations:
            return  # not installed: the import that needs it says so
        package = importlib.util.module_from_spec(spec)  # the module object only: its __init__ is not run
        package.__getattr__ = _late  # type: ignore[method-assign]
        sys.modules["kubernetes"] = package


def typed_client():
    """The kubernetes package's `client` module (the generated typed API), loaded without the package's
    __init__ (bare_package)."""
    bare_package()
    from kubernetes import client

    return client
