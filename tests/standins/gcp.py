"""A local stand-in for the Google Cloud REST APIs hubtui's GCP teardown uses, and its pytest fixture.

There is no emulator for GKE, Cloud SQL, Memorystore or VPC networks, so this small HTTP server speaks the
REST shapes the official clients send with transport="rest" (paths and JSON read from their rest transports
and checked against the requests hubtui makes): GKE clusters and operations, Cloud SQL (sqladmin v1beta4)
instances and operations, Memorystore instances and long-running operations, Pub/Sub topics, Compute
networks, subnetworks, firewalls and global / regional operations.

State lives in memory. A deletion answers with an operation that stays RUNNING for `polls_before_done` GETs
and then is DONE (the resource is removed at that moment), or ends with an error (fail_operation). Faults
can be injected per request (fail). Every request is recorded so tests can assert what was called, in order.
As on GCP, a GKE cluster or Cloud SQL instance with an operation still running on it refuses another deletion
(GKE: 400 "Cluster is running incompatible operation ..."; Cloud SQL: 409 operationInProgress), and those
operations can be listed (GKE: per location; Cloud SQL: per instance), so a resume can find and wait on them.
start_gke_operation starts another kind of operation (an upgrade). A GET of a Memorystore instance that is
being deleted counts as a look at its deletion (its state is DELETING until the operation is done), and
Memorystore's `locations/-` listing names the regions in `redis_unreachable` as unreachable.
Each resource gets a fresh creation time when it is added (and GKE clusters and networks a fresh id), so a
resource deleted and added again under the same name is told apart, as on GCP. A Cloud SQL deletion that asks
for a final backup (enableFinalBackup) leaves it in `sql_final_backups`, as Cloud SQL keeps it.
A child process reaches the stand-in through `env` (HUBTUI_GCP_ENDPOINT, GCP_PROJECT, GCP_REGION).
"""

from __future__ import annotations

import itertools
import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, UTC
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest

__all__ = ["GcpStandIn", "gcp"]

COMPUTE_URL = "https://www.googleapis.com/compute/v1"

# google.rpc.Code names and numbers for the HTTP statuses the stand-in answers with.
_RPC_STATUS = {400: ("FAILED_PRECONDITION", 9), 403: ("PERMISSION_DENIED", 7), 404: ("NOT_FOUND", 5),
               409: ("ALREADY_EXISTS", 6), 429: ("RESOURCE_EXHAUSTED", 8), 500: ("INTERNAL", 13),
               503: ("UNAVAILABLE", 14)}


@dataclass(frozen=True)
class Call:
    """One request the stand-in received."""

    method: str
    path: str
    query: str
    body: dict | None

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


@dataclass
class _Fault:
    method: str
    path_contains: str
    status: int
    times: int
    message: str
    reason: str | None


@dataclass
class _Operation:
    """A deletion (or patch) in progress: RUNNING for `polls_left` more GETs, then DONE."""

    id: str
    api: str  # gke | sql | lro | compute
    target: str  # the short name of the resource it acts on
    polls_left: int
    on_done: Callable[[], None]
    error: str | None = None
    scope: dict = field(default_factory=dict)  # location / region, for the operation's name and links
    finished: bool = False

    def advance(self) -> None:
        """One look at the operation: count down, and when done apply its effect once (unless it failed)."""
        if self.finished:
            return
        if self.polls_left > 0:
            self.polls_left -= 1
            return
        self.finished = True
        if self.error is None:
            self.on_done()


class GcpStandIn:
    """In-memory GKE / Cloud SQL / Memorystore / Pub/Sub / Compute REST stand-in on 127.0.0.1."""

    def __init__(self, project: str = "hub-project", region: str = "europe-west1", polls_before_done: int = 1):
        self.project = project
        self.region = region
        self.polls_before_done = polls_before_done
        self.clusters: dict[str, dict] = {}
        self.sql_instances: dict[str, dict] = {}
        self.redis_instances: dict[str, dict] = {}
        self.topics: dict[str, dict] = {}
        self.networks: dict[str, dict] = {}
        self.subnetworks: dict[str, dict] = {}  # "<region>/<name>" -> subnetwork
        self.firewalls: dict[str, dict] = {}
        self.instances: dict[str, dict] = {}  # "<zone>/<name>" -> a VM instance (its network interfaces)
        self.forwarding_rules: dict[str, dict] = {}  # "<region or global>/<name>" -> a forwarding rule
        self.operations: dict[str, _Operation] = {}
        self.sql_final_backups: list[dict] = []  # what Cloud SQL kept of deleted instances
        self.redis_unreachable: list[str] = []  # regions a `locations/-` Memorystore listing says it could not reach
        self._query: dict[str, str] = {}  # the query of the request being answered
        self.requests: list[Call] = []
        self._faults: list[_Fault] = []
        self._operation_errors: dict[str, str] = {}
        self._ids = itertools.count(1)
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._routes = self._build_routes()

    # ---- life cycle ------------------------------------------------------------------------------------

    def start(self) -> GcpStandIn:
        standin = self

        class Handler(_Handler):
            owner = standin

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), name="gcp-standin",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        assert self._server is not None, "the stand-in is not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def env(self) -> dict[str, str]:
        """What a child process needs to reach this stand-in instead of Google Cloud."""
        return {"HUBTUI_GCP_ENDPOINT": self.url, "GCP_PROJECT": self.project, "GCP_REGION": self.region}

    # ---- state helpers for tests -----------------------------------------------------------------------

    @staticmethod
    def _now() -> str:
        """A creation time as GCP writes it (RFC 3339, UTC); two calls never give the same one."""
        time.sleep(0.001)
        return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def add_cluster(self, name: str, *, location: str | None = None, labels: dict | None = None,
                    endpoint: str | None = None, private_endpoint: str | None = None) -> None:
        location = location or self.region
        n = next(self._ids)
        self.clusters[name] = {"name": name, "location": location, "status": "RUNNING",
                               "resourceLabels": dict(labels or {}), "nodePools": [],
                               "id": f"{n:08x}" * 8, "createTime": self._now(),
                               "endpoint": endpoint or f"34.{n // 250 % 250}.{n % 250}.10",
                               "selfLink": f"https://container.googleapis.com/v1/projects/{self.project}"
                                           f"/locations/{location}/clusters/{name}"}
        if private_endpoint:
            self.clusters[name]["privateClusterConfig"] = {"enablePrivateNodes": True,
                                                           "privateEndpoint": private_endpoint}

    def add_sql_instance(self, name: str, *, labels: dict | None = None, deletion_protection: bool = False) -> None:
        self.sql_instances[name] = {"kind": "sql#instance", "name": name, "project": self.project,
                                    "region": self.region, "databaseVersion": "POSTGRES_15", "state": "RUNNABLE",
                                    "createTime": self._now(),
                                    "settings": {"tier": "db-custom-2-7680", "userLabels": dict(labels or {}),
                                                 "deletionProtectionEnabled": deletion_protection}}

    def add_redis_instance(self, name: str, *, labels: dict | None = None, location: str | None = None,
                           tier: str = "STANDARD_HA") -> None:
        location = location or self.region
        self.redis_instances[name] = {"name": f"projects/{self.project}/locations/{location}/instances/{name}",
                                      "labels": dict(labels or {}), "tier": tier, "state": "READY",
                                      "memorySizeGb": 1, "locationId": f"{location}-b", "createTime": self._now()}

    def add_topic(self, name: str, *, labels: dict | None = None) -> None:
        self.topics[name] = {"name": f"projects/{self.project}/topics/{name}", "labels": dict(labels or {})}

    def add_network(self, name: str, *, subnetworks: tuple[str, ...] = (), firewalls: tuple[str, ...] = ()) -> None:
        """A VPC network with subnetworks (in the stand-in's region) and firewall rules attached to it."""
        link = f"{COMPUTE_URL}/projects/{self.project}/global/networks/{name}"
        self.networks[name] = {"kind": "compute#network", "id": str(next(self._ids)), "name": name,
                               "creationTimestamp": self._now(),
                               "selfLink": link, "autoCreateSubnetworks": False, "subnetworks": []}
        for sub in subnetworks:
            sub_link = f"{COMPUTE_URL}/projects/{self.project}/regions/{self.region}/subnetworks/{sub}"
            self.subnetworks[f"{self.region}/{sub}"] = {"kind": "compute#subnetwork", "name": sub, "network": link,
                                                        "region": self.region, "selfLink": sub_link,
                                                        "ipCidrRange": "10.0.0.0/20"}
            self.networks[name]["subnetworks"].append(sub_link)
        for rule in firewalls:
            self.firewalls[rule] = {"kind": "compute#firewall", "name": rule, "network": link,
                                    "selfLink": f"{COMPUTE_URL}/projects/{self.project}/global/firewalls/{rule}"}

    def add_instance(self, name: str, network: str, zone: str | None = None) -> None:
        """A VM of another team in the network (not part of any plan)."""
        zone = zone or f"{self.region}-b"
        link = f"{COMPUTE_URL}/projects/{self.project}/global/networks/{network}"
        self.instances[f"{zone}/{name}"] = {"kind": "compute#instance", "name": name, "zone": zone,
                                            "networkInterfaces": [{"network": link, "name": "nic0"}]}

    def add_forwarding_rule(self, name: str, network: str, region: str | None = None) -> None:
        link = f"{COMPUTE_URL}/projects/{self.project}/global/networks/{network}"
        where = region or "global"
        self.forwarding_rules[f"{where}/{name}"] = {"kind": "compute#forwardingRule", "name": name,
                                                    "network": link, "region": region or ""}

    def add_peering(self, network: str, name: str, peer: str) -> None:
        self.networks[network].setdefault("peerings", []).append(
            {"name": name, "network": f"{COMPUTE_URL}/projects/other/global/networks/{peer}", "state": "ACTIVE"})

    def add_hub(self, environment: str = "dev", *, labels: bool = True, deletion_protection: bool = False) -> str:
        """Everything the old tool created for one environment; returns the cluster name."""
        cluster = f"llm-analytics-hub-{environment}"
        env_labels = {"environment": environment} if labels else {}
        self.add_cluster(cluster, labels=env_labels)
        self.add_sql_instance(f"{cluster}-postgres", labels=env_labels, deletion_protection=deletion_protection)
        self.add_redis_instance(f"{cluster}-redis", labels=env_labels)
        self.add_topic(f"{cluster}-events", labels=env_labels)
        self.add_network(f"{cluster}-vpc", subnetworks=(f"{cluster}-subnet",), firewalls=(f"{cluster}-allow-internal",))
        return cluster

    def start_gke_operation(self, cluster: str, operation_type: str = "UPGRADE_MASTER", *,
                            polls: int | None = None) -> str:
        """Another operation running on the cluster (an upgrade): its id. It ends after `polls` GETs of it."""
        with self._lock:
            op = self._start("gke", cluster, lambda: None, {"location": self.clusters[cluster]["location"],
                                                            "type": operation_type}, polls)
            return op.id

    def fail(self, method: str, path_contains: str, status: int, *, times: int = 1, message: str | None = None,
             reason: str | None = None) -> None:
        """The next `times` requests whose method matches and whose path contains `path_contains` get `status`."""
        self._faults.append(_Fault(method.upper(), path_contains, status, times,
                                   message or f"injected {status} {HTTPStatus(status).phrase}", reason))

    def fail_operation(self, target: str, message: str) -> None:
        """The operation that deletes (or patches) the resource named `target` ends with this error."""
        self._operation_errors[target] = message

    def calls(self, method: str | None = None, contains: str = "") -> list[str]:
        """The requests received so far, as "METHOD path", optionally filtered."""
        with self._lock:
            return [str(c) for c in self.requests
                    if (method is None or c.method == method.upper()) and contains in c.path]

    # ---- request handling ------------------------------------------------------------------------------

    def handle(self, method: str, path: str, query: str, body: dict | None) -> tuple[int, dict]:
        with self._lock:
            self.requests.append(Call(method, path, query, body))
            self._query = {k: v[-1] for k, v in parse_qs(query).items()}  # for the handler below, under the lock
            fault = self._take_fault(method, path)
            if fault is not None:
                return fault.status, _error_body(fault.status, fault.message, fault.reason)
            for route_method, pattern, handler in self._routes:
                match = pattern.fullmatch(path)
                if route_method == method and match:
                    return handler(body=body, **match.groupdict())
            return 404, _error_body(404, f"the stand-in does not serve {method} {path}")

    def _take_fault(self, method: str, path: str) -> _Fault | None:
        for fault in self._faults:
            if fault.times > 0 and fault.method == method and fault.path_contains in path:
                fault.times -= 1
                return fault
        return None

    def _build_routes(self) -> list[tuple[str, re.Pattern, Callable[..., tuple[int, dict]]]]:
        seg = r"[^/:]+"
        routes = [
            ("GET", r"/v1/projects/(?P<p>SEG)/locations/(?P<loc>SEG)/clusters", self._list_clusters),
            ("GET", r"/v1/projects/(?P<p>SEG)/locations/(?P<loc>SEG)/clusters/(?P<name>SEG)", self._get_cluster),
            ("DELETE", r"/v1/projects/(?P<p>SEG)/locations/(?P<loc>SEG)/clusters/(?P<name>SEG)",
             self._delete_cluster),
            ("GET", r"/v1/projects/(?P<p>SEG)/locations/(?P<loc>SEG)/operations/(?P<op>SEG)", self._get_operation),
            ("GET", r"/v1/projects/(?P<p>SEG)/locations/(?P<loc>SEG)/operations", self._list_gke_operations),
            ("GET", r"/v1/projects/(?P<p>SEG)/locations/(?P<loc>SEG)/instances", self._list_redis),
            ("GET", r"/v1/projects/(?P<p>SEG)/locations/(?P<loc>SEG)/instances/(?P<name>SEG)", self._get_redis),
            ("DELETE", r"/v1/projects/(?P<p>SEG)/locations/(?P<loc>SEG)/instances/(?P<name>SEG)",
             self._delete_redis),
            ("GET", r"/v1/projects/(?P<p>SEG)/topics", self._list_topics),
            ("DELETE", r"/v1/projects/(?P<p>SEG)/topics/(?P<name>SEG)", self._delete_topic),
            ("GET", r"/sql/v1beta4/projects/(?P<p>SEG)/instances", self._list_sql),
            ("GET", r"/sql/v1beta4/projects/(?P<p>SEG)/instances/(?P<name>SEG)", self._get_sql),
            ("PATCH", r"/sql/v1beta4/projects/(?P<p>SEG)/instances/(?P<name>SEG)", self._patch_sql),
            ("DELETE", r"/sql/v1beta4/projects/(?P<p>SEG)/instances/(?P<name>SEG)", self._delete_sql),
            ("GET", r"/sql/v1beta4/projects/(?P<p>SEG)/operations/(?P<op>SEG)", self._get_operation),
            ("GET", r"/sql/v1beta4/projects/(?P<p>SEG)/operations", self._list_sql_operations),
            ("GET", r"/compute/v1/projects/(?P<p>SEG)/global/networks/(?P<name>SEG)", self._get_network),
            ("DELETE", r"/compute/v1/projects/(?P<p>SEG)/global/networks/(?P<name>SEG)", self._delete_network),
            ("GET", r"/compute/v1/projects/(?P<p>SEG)/global/firewalls", self._list_firewalls),
            ("GET", r"/compute/v1/projects/(?P<p>SEG)/global/firewalls/(?P<name>SEG)", self._get_firewall),
            ("GET", r"/compute/v1/projects/(?P<p>SEG)/regions/(?P<region>SEG)/subnetworks/(?P<name>SEG)",
             self._get_subnetwork),
            ("GET", r"/compute/v1/projects/(?P<p>SEG)/aggregated/instances", self._aggregated_instances),
            ("GET", r"/compute/v1/projects/(?P<p>SEG)/aggregated/forwardingRules", self._aggregated_rules),
            ("GET", r"/compute/v1/projects/(?P<p>SEG)/global/forwardingRules", self._global_rules),
            ("DELETE", r"/compute/v1/projects/(?P<p>SEG)/global/firewalls/(?P<name>SEG)", self._delete_firewall),
            ("DELETE", r"/compute/v1/projects/(?P<p>SEG)/regions/(?P<region>SEG)/subnetworks/(?P<name>SEG)",
             self._delete_subnetwork),
            ("GET", r"/compute/v1/projects/(?P<p>SEG)/global/operations/(?P<op>SEG)", self._get_operation),
            ("GET", r"/compute/v1/projects/(?P<p>SEG)/regions/(?P<region>SEG)/operations/(?P<op>SEG)",
             self._get_operation),
        ]
        return [(m, re.compile(p.replace("SEG", seg)), h) for m, p, h in routes]

    def _project_ok(self, p: str) -> tuple[int, dict] | None:
        if p != self.project:
            return 403, _error_body(403, f"permission denied on project {p}")
        return None

    def _not_found(self, what: str) -> tuple[int, dict]:
        return 404, _error_body(404, f"{what} was not found")

    # GKE
    def _list_clusters(self, p: str, loc: str, body=None) -> tuple[int, dict]:
        if refused := self._project_ok(p):
            return refused
        clusters = [c for c in self.clusters.values() if loc == "-" or c["location"] == loc]
        return 200, {"clusters": clusters}

    def _get_cluster(self, p: str, loc: str, name: str, body=None) -> tuple[int, dict]:
        cluster = self.clusters.get(name)
        if cluster is None or cluster["location"] != loc or p != self.project:
            return self._not_found(f"cluster {name}")
        return 200, cluster

    def _running(self, api: str, target: str) -> _Operation | None:
        return next((o for o in self.operations.values() if o.api == api and o.target == target and not o.finished),
                    None)

    def _delete_cluster(self, p: str, loc: str, name: str, body=None) -> tuple[int, dict]:
        cluster = self.clusters.get(name)
        if cluster is None or cluster["location"] != loc or p != self.project:
            return self._not_found(f"cluster {name}")
        if running := self._running("gke", name):
            return 400, _error_body(400, f"Cluster is running incompatible operation {running.id}.")
        cluster["status"] = "STOPPING"
        op = self._start("gke", name, lambda: self.clusters.pop(name, None), {"location": loc})
        return 200, self._render(op)

    def _list_gke_operations(self, p: str, loc: str, body=None) -> tuple[int, dict]:
        if refused := self._project_ok(p):
            return refused
        ops = [self._render(o) for o in self.operations.values()
               if o.api == "gke" and (loc == "-" or o.scope["location"] == loc)]
        return 200, {"operations": ops}

    # Memorystore
    def _list_redis(self, p: str, loc: str, body=None) -> tuple[int, dict]:
        if refused := self._project_ok(p):
            return refused
        found = [i for i in self.redis_instances.values() if loc == "-" or f"/locations/{loc}/" in i["name"]]
        answer: dict = {"instances": found}
        if loc == "-" and self.redis_unreachable:
            answer["unreachable"] = list(self.redis_unreachable)
        return 200, answer

    def _get_redis(self, p: str, loc: str, name: str, body=None) -> tuple[int, dict]:
        instance = self.redis_instances.get(name)
        if instance is not None and instance["state"] == "DELETING" and (op := self._running("lro", name)):
            op.advance()  # time passes for a deletion under way while someone looks at the instance
            instance = self.redis_instances.get(name)
        if instance is None or f"projects/{p}/locations/{loc}/" not in instance["name"]:
            return self._not_found(f"instance {name}")
        return 200, instance

    def _delete_redis(self, p: str, loc: str, name: str, body=None) -> tuple[int, dict]:
        instance = self.redis_instances.get(name)
        if instance is None or f"projects/{p}/locations/{loc}/" not in instance["name"]:
            return self._not_found(f"instance {name}")
        instance["state"] = "DELETING"
        op = self._start("lro", name, lambda: self.redis_instances.pop(name, None), {"location": loc})
        return 200, self._render(op)

    # Pub/Sub
    def _list_topics(self, p: str, body=None) -> tuple[int, dict]:
        if refused := self._project_ok(p):
            return refused
        return 200, {"topics": list(self.topics.values())}

    def _delete_topic(self, p: str, name: str, body=None) -> tuple[int, dict]:
        if p != self.project or self.topics.pop(name, None) is None:
            return self._not_found(f"topic {name}")
        return 200, {}

    # Cloud SQL
    def _list_sql(self, p: str, body=None) -> tuple[int, dict]:
        if refused := self._project_ok(p):
            return refused
        return 200, {"kind": "sql#instancesList", "items": list(self.sql_instances.values())}

    def _get_sql(self, p: str, name: str, body=None) -> tuple[int, dict]:
        instance = self.sql_instances.get(name)
        if instance is None or p != self.project:
            return self._not_found(f"Cloud SQL instance {name}")
        return 200, instance

    def _patch_sql(self, p: str, name: str, body=None) -> tuple[int, dict]:
        instance = self.sql_instances.get(name)
        if instance is None or p != self.project:
            return self._not_found(f"Cloud SQL instance {name}")
        changes = (body or {}).get("settings", {})

        def apply() -> None:
            instance["settings"].update(changes)

        op = self._start("sql", name, apply, {"type": "UPDATE"})
        return 200, self._render(op)

    def _delete_sql(self, p: str, name: str, body=None) -> tuple[int, dict]:
        instance = self.sql_instances.get(name)
        if instance is None or p != self.project:
            return self._not_found(f"Cloud SQL instance {name}")
        if instance["settings"].get("deletionProtectionEnabled"):
            return 400, _error_body(400, "The instance is protected. Please disable the deletion protection "
                                         "and try again.", "deletionProtectionEnabled")
        if self._running("sql", name):
            return 409, _error_body(409, "Operation failed because another operation was already in progress. "
                                         "Try your request after the current operation is complete.",
                                    "operationInProgress")
        query = self._query
        final_backup = None
        if query.get("enableFinalBackup", "").lower() == "true":  # kept by Cloud SQL once the instance is gone
            final_backup = {"instance": name, "instanceCreateTime": instance.get("createTime"),
                            "ttlDays": int(query["finalBackupTtlDays"]) if "finalBackupTtlDays" in query else 30,
                            "description": query.get("finalBackupDescription", "")}

        def done() -> None:
            self.sql_instances.pop(name, None)
            if final_backup:
                self.sql_final_backups.append(final_backup)

        op = self._start("sql", name, done, {"type": "DELETE"})
        return 200, self._render(op)

    def _list_sql_operations(self, p: str, body=None) -> tuple[int, dict]:
        if refused := self._project_ok(p):
            return refused
        instance = self._query.get("instance")
        ops = [self._render(o) for o in self.operations.values()
               if o.api == "sql" and (instance is None or o.target == instance)]
        return 200, {"kind": "sql#operationsList", "items": ops}

    # Compute
    def _get_network(self, p: str, name: str, body=None) -> tuple[int, dict]:
        network = self.networks.get(name)
        if network is None or p != self.project:
            return self._not_found(f"The resource 'projects/{p}/global/networks/{name}'")
        return 200, network

    def _delete_network(self, p: str, name: str, body=None) -> tuple[int, dict]:
        network = self.networks.get(name)
        if network is None or p != self.project:
            return self._not_found(f"The resource 'projects/{p}/global/networks/{name}'")
        users = [s["selfLink"] for s in self.subnetworks.values() if s["network"] == network["selfLink"]]
        users += [f["selfLink"] for f in self.firewalls.values() if f["network"] == network["selfLink"]]
        if users:
            return 400, _error_body(400, f"The network resource 'projects/{p}/global/networks/{name}' is already "
                                         f"being used by '{users[0]}'", "resourceInUseByAnotherResource")
        op = self._start("compute", name, lambda: self.networks.pop(name, None), {"link": network["selfLink"]})
        return 200, self._render(op)

    def _list_firewalls(self, p: str, body=None) -> tuple[int, dict]:
        if refused := self._project_ok(p):
            return refused
        return 200, {"kind": "compute#firewallList", "items": list(self.firewalls.values())}

    def _aggregated_instances(self, p: str, body=None) -> tuple[int, dict]:
        if refused := self._project_ok(p):
            return refused
        items: dict[str, dict] = {}
        for key, vm in self.instances.items():
            items.setdefault(f"zones/{key.split('/')[0]}", {"instances": []})["instances"].append(vm)
        return 200, {"kind": "compute#instanceAggregatedList", "items": items}

    def _aggregated_rules(self, p: str, body=None) -> tuple[int, dict]:
        if refused := self._project_ok(p):
            return refused
        items: dict[str, dict] = {}
        for key, rule in self.forwarding_rules.items():
            where = key.split("/")[0]
            scope = "global" if where == "global" else f"regions/{where}"
            items.setdefault(scope, {"forwardingRules": []})["forwardingRules"].append(rule)
        return 200, {"kind": "compute#forwardingRuleAggregatedList", "items": items}

    def _global_rules(self, p: str, body=None) -> tuple[int, dict]:
        if refused := self._project_ok(p):
            return refused
        rules = [r for k, r in self.forwarding_rules.items() if k.startswith("global/")]
        return 200, {"kind": "compute#forwardingRuleList", "items": rules}

    def _get_firewall(self, p: str, name: str, body=None) -> tuple[int, dict]:
        rule = self.firewalls.get(name)
        if rule is None or p != self.project:
            return self._not_found(f"The resource 'projects/{p}/global/firewalls/{name}'")
        return 200, rule

    def _get_subnetwork(self, p: str, region: str, name: str, body=None) -> tuple[int, dict]:
        sub = self.subnetworks.get(f"{region}/{name}")
        if sub is None or p != self.project:
            return self._not_found(f"The resource 'projects/{p}/regions/{region}/subnetworks/{name}'")
        return 200, sub

    def _delete_firewall(self, p: str, name: str, body=None) -> tuple[int, dict]:
        rule = self.firewalls.get(name)
        if rule is None or p != self.project:
            return self._not_found(f"The resource 'projects/{p}/global/firewalls/{name}'")
        op = self._start("compute", name, lambda: self.firewalls.pop(name, None), {"link": rule["selfLink"]})
        return 200, self._render(op)

    def _delete_subnetwork(self, p: str, region: str, name: str, body=None) -> tuple[int, dict]:
        key = f"{region}/{name}"
        sub = self.subnetworks.get(key)
        if sub is None or p != self.project:
            return self._not_found(f"The resource 'projects/{p}/regions/{region}/subnetworks/{name}'")

        def apply() -> None:
            self.subnetworks.pop(key, None)
            for network in self.networks.values():
                network["subnetworks"] = [s for s in network["subnetworks"] if s != sub["selfLink"]]

        op = self._start("compute", name, apply, {"link": sub["selfLink"], "region": region})
        return 200, self._render(op)

    # operations (GKE, Memorystore, Cloud SQL and Compute share this: the id says which API it belongs to)
    def _get_operation(self, p: str, op: str, body=None, loc: str | None = None,
                       region: str | None = None) -> tuple[int, dict]:
        operation = self.operations.get(op)
        if operation is None or p != self.project:
            return self._not_found(f"operation {op}")
        operation.advance()
        return 200, self._render(operation)

    def _start(self, api: str, target: str, on_done: Callable[[], None], scope: dict,
               polls: int | None = None) -> _Operation:
        op = _Operation(f"operation-{next(self._ids)}-{api}", api, target,
                        self.polls_before_done if polls is None else polls, on_done,
                        self._operation_errors.get(target), scope)
        self.operations[op.id] = op
        if op.polls_left == 0:
            op.advance()
        return op

    def _render(self, op: _Operation) -> dict:
        return {"gke": self._render_gke, "sql": self._render_sql, "lro": self._render_lro,
                "compute": self._render_compute}[op.api](op)

    def _render_gke(self, op: _Operation) -> dict:
        loc = op.scope["location"]
        out = {"name": op.id, "operationType": op.scope.get("type", "DELETE_CLUSTER"),
               "status": "DONE" if op.finished else "RUNNING",
               "location": loc, "zone": loc, "startTime": "2024-01-01T00:00:00Z",
               "selfLink": f"https://container.googleapis.com/v1/projects/{self.project}/locations/{loc}"
                           f"/operations/{op.id}",
               "targetLink": f"https://container.googleapis.com/v1/projects/{self.project}/locations/{loc}"
                             f"/clusters/{op.target}"}
        if op.finished:
            out["endTime"] = "2024-01-01T00:05:00Z"
            if op.error:
                out["error"] = {"code": 13, "message": op.error}
        return out

    def _render_sql(self, op: _Operation) -> dict:
        out = {"kind": "sql#operation", "name": op.id, "operationType": op.scope["type"],
               "status": "DONE" if op.finished else "RUNNING", "targetId": op.target, "targetProject": self.project}
        if op.finished and op.error:
            out["error"] = {"kind": "sql#operationErrors",
                            "errors": [{"kind": "sql#operationError", "code": "INTERNAL_ERROR", "message": op.error}]}
        return out

    def _render_lro(self, op: _Operation) -> dict:
        out = {"name": f"projects/{self.project}/locations/{op.scope['location']}/operations/{op.id}",
               "done": op.finished}
        if op.finished:
            if op.error:
                out["error"] = {"code": 13, "message": op.error}
            else:
                out["response"] = {"@type": "type.googleapis.com/google.protobuf.Empty"}
        return out

    def _render_compute(self, op: _Operation) -> dict:
        where = f"regions/{op.scope['region']}" if "region" in op.scope else "global"
        out = {"kind": "compute#operation", "id": op.id.split("-")[1], "name": op.id,
               "operationType": "delete", "status": "DONE" if op.finished else "RUNNING",
               "progress": 100 if op.finished else 50, "targetLink": op.scope["link"],
               "selfLink": f"{COMPUTE_URL}/projects/{self.project}/{where}/operations/{op.id}"}
        if "region" in op.scope:
            out["region"] = f"{COMPUTE_URL}/projects/{self.project}/regions/{op.scope['region']}"
        if op.finished and op.error:
            out["error"] = {"errors": [{"code": "RESOURCE_OPERATION_FAILED", "message": op.error}]}
            out["httpErrorStatusCode"] = 400
            out["httpErrorMessage"] = "BAD REQUEST"
        return out


def _error_body(status: int, message: str, reason: str | None = None) -> dict:
    """The error envelope Google's REST APIs answer with; google.api_core maps it to its exceptions."""
    name, _ = _RPC_STATUS.get(status, ("UNKNOWN", 2))
    error = {"code": status, "message": message, "status": name}
    if reason:
        error["errors"] = [{"message": message, "domain": "global", "reason": reason}]
    return {"error": error}


class _Handler(BaseHTTPRequestHandler):
    owner: GcpStandIn
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw.strip() else None
        status, payload = self.owner.handle(self.command, parts.path, parts.query, body)
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, format: str, *args) -> None:
        pass


_LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def _local_only(real_getaddrinfo):
    """A getaddrinfo that refuses every host but this machine: a client that ignores the endpoint (as
    compute's extended-operation poller does) fails the test instead of reaching Google."""

    def getaddrinfo(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        if name not in _LOCAL_HOSTS:
            raise OSError(f"the GCP stand-in test tried to reach {name}: only the local stand-in is allowed")
        return real_getaddrinfo(host, *args, **kwargs)

    return getaddrinfo


@pytest.fixture
def gcp(monkeypatch) -> GcpStandIn:
    """A fresh stand-in per test; hubtui's Settings.from_env() finds it through the environment. In this
    process, names other than the local host do not resolve while it runs."""
    standin = GcpStandIn().start()
    for name, value in standin.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(socket, "getaddrinfo", _local_only(socket.getaddrinfo))
    yield standin
    standin.stop()
