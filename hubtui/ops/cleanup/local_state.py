"""The last cleanup step: forget the destroyed environment locally.

Removes the kubeconfig contexts of the environment's cloud cluster, with the clusters and users only they
used (after saving a copy of each kubeconfig file it edits), and hubtui's working files for the environment
(plans, journal). Backups and the audit log are kept.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from dataclasses import asdict, field
from datetime import datetime, UTC
from pathlib import Path

from ...frozen import frozen
from ...errors import HubError
from ...facts import ContextPointsElsewhere
from ...paths import tilde
from .failures import KubeconfigNotYaml, KubeconfigUnreadable


@frozen
class KubeconfigEntries:
    """What will be removed from one kubeconfig file."""

    file: str
    contexts: tuple[str, ...] = ()
    clusters: tuple[str, ...] = ()
    users: tuple[str, ...] = ()


@frozen
class LocalPlan:
    kubeconfig: tuple[KubeconfigEntries, ...] = ()
    working_dir: str = ""  # hubtui's files for the environment (plans, journal)
    kept: tuple[str, ...] = ()  # what is deliberately kept (backups, audit log)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> LocalPlan:
        return cls(tuple(KubeconfigEntries(e["file"], tuple(e["contexts"]), tuple(e["clusters"]), tuple(e["users"]))
                         for e in d.get("kubeconfig", ())), d.get("working_dir", ""), tuple(d.get("kept", ())))


@frozen
class LocalResult:
    removed: tuple[str, ...] = ()
    copies: tuple[str, ...] = ()  # the saved kubeconfig copies
    notes: tuple[str, ...] = field(default_factory=tuple)


def cluster_pattern(cloud_cluster: str) -> re.Pattern:
    """A context or cluster entry belongs to the environment when its name is the cloud cluster's name, or
    ends with it after the separator each cloud's CLI uses (EKS `arn:...:cluster/NAME`, GKE
    `gke_PROJECT_REGION_NAME`, AKS `NAME`)."""
    return re.compile(rf"(^|[/_:@]){re.escape(cloud_cluster)}$")


def _load(path: Path) -> dict:
    import yaml

    try:
        return yaml.safe_load(path.read_text()) or {}
    except OSError as e:
        raise HubError(KubeconfigUnreadable(str(path), e.strerror)) from None
    except yaml.YAMLError:
        raise HubError(KubeconfigNotYaml(str(path))) from None


def plan_kubeconfig(kubeconfig_paths: str, cloud_cluster: str, endpoints: list[str] | tuple[str, ...] = (),
                    skipped: list[ContextPointsElsewhere] | None = None) -> tuple[KubeconfigEntries, ...]:
    """The entries of every kubeconfig file in the path list that belong to the environment's cluster.

    A name is not proof: a cluster of the same name can live in another account, project or region. When the
    planned cloud clusters' API `endpoints` are known, a context whose name matches is taken only if its
    cluster entry's server is one of them; one that names the cluster but points elsewhere is kept and
    described in `skipped` (when a list is given)."""
    from ...urls import normalise_server

    pattern = cluster_pattern(cloud_cluster)
    wanted = {normalise_server(e) for e in endpoints if e}
    found = []
    for raw in dict.fromkeys(p for p in kubeconfig_paths.split(os.pathsep) if p):
        path = Path(raw).expanduser()
        if not path.is_file():
            continue
        cfg = _load(path)
        contexts = cfg.get("contexts") or []
        servers = {c.get("name"): (c.get("cluster") or {}).get("server", "") for c in cfg.get("clusters") or []}
        named = [c for c in contexts
                 if pattern.search(c.get("name", "")) or pattern.search((c.get("context") or {}).get("cluster", ""))]
        doomed = []
        for c in named:
            server = servers.get((c.get("context") or {}).get("cluster"), "")
            if wanted and normalise_server(server) not in wanted:
                if skipped is not None:
                    skipped.append(ContextPointsElsewhere(str(c.get('name')), tilde(str(path)), server))
                continue
            doomed.append(c)
        if not doomed:
            continue
        kept = [c for c in contexts if c not in doomed]
        used_by_kept = {k: _refs(kept, k) for k in ("cluster", "user")}
        clusters = _refs(doomed, "cluster") - used_by_kept["cluster"]
        users = _refs(doomed, "user") - used_by_kept["user"]
        found.append(KubeconfigEntries(str(path), tuple(sorted(c["name"] for c in doomed)),
                                       tuple(sorted(clusters)), tuple(sorted(users))))
    return tuple(found)


def _refs(contexts: list[dict], key: str) -> set[str]:
    """The cluster (or user) entry names that these contexts refer to."""
    return {ref for c in contexts if (ref := (c.get("context") or {}).get(key)) is not None}


def remove_kubeconfig_entries(entries: KubeconfigEntries, copy_dir: Path) -> tuple[Path, list[str]]:
    """Save a copy of the file, then write it back without the entries (atomically, same mode). A cluster or
    user entry that a context staying in the file uses now (one added since the plan) stays."""
    import yaml

    path = Path(entries.file)
    if not path.is_file():
        return copy_dir, []  # already gone: nothing to remove
    path = path.resolve()  # a symlinked kubeconfig (dotfiles) is updated where it lives; the link stays a link
    cfg = _load(path)
    copy_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    copy = copy_dir / f"kubeconfig-{path.name}-{stamp}"
    shutil.copy2(path, copy)
    os.chmod(copy, 0o600)
    removed = []
    staying = [c for c in cfg.get("contexts") or [] if c.get("name") not in entries.contexts]
    unused = {"cluster": set(entries.clusters) - _refs(staying, "cluster"),
              "user": set(entries.users) - _refs(staying, "user")}
    for key, names in (("contexts", entries.contexts), ("clusters", unused["cluster"]), ("users", unused["user"])):
        before = cfg.get(key) or []
        cfg[key] = [item for item in before if item.get("name") not in names]
        removed += [f"kubeconfig {key[:-1]} {item['name']}" for item in before if item.get("name") in names]
    if cfg.get("current-context") in entries.contexts:
        cfg["current-context"] = ""
        removed.append("kubeconfig current-context")
    # The new file is created 0600 (credentials are never readable by others, not even for a moment), gets the
    # old file's mode only then, and replaces it atomically; a stale temp file or a link planted there is
    # never followed (O_EXCL | O_NOFOLLOW).
    tmp = path.with_name(path.name + ".hubtui-tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        with os.fdopen(fd, "w") as out:
            out.write(yaml.safe_dump(cfg, default_flow_style=False, sort_keys=False))
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return copy, removed


def remove_working_files(folder: Path) -> list[str]:
    if not folder.exists():
        return []
    names = sorted(p.name for p in folder.iterdir())
    shutil.rmtree(folder)
    return [f"{folder}/{n}" for n in names]
