"""A local stand-in for the few Azure Resource Manager paths hubtui uses, and its pytest fixture.

There is no ARM emulator, so this is a small standard-library HTTP server that answers like ARM does for
resource groups: list (with the tag $filter), get, list the resources in a group, and delete as a
long-running operation (202 + an absolute Location, polled until 200 or a failure). Errors can be injected
per request so the retry and failure paths of hubtui.cloud.azure are exercised against the real SDK.
Every request is recorded, so a test can prove that a call was (or was not) made.
A group carries its creation time in systemData.createdAt (a group deleted and created again has another),
and a resource added with properties (an AKS cluster's fqdn: add_aks) answers a GET of its id.
A group being deleted is in provisioning state Deleting; a GET of it counts as a look at its deletion, as a
poll of the operation does (time passes on ARM whoever looks), so a resume that only watches the group sees
it go (404) or, when the deletion fails, come back as Succeeded.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, UTC
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest

__all__ = ["AzureStandIn", "azure"]

DEFAULT_SUBSCRIPTION = "00000000-0000-4000-8000-000000000001"
TAG_FILTER = re.compile(r"^tagName eq '([^']*)' and tagValue eq '([^']*)'$")


@dataclass(frozen=True)
class Request:
    """One request as the stand-in saw it: enough for a test to assert what the client did."""

    method: str
    path: str
    query: dict[str, str]


@dataclass
class Injected:
    """An error answer waiting for the next matching request(s)."""

    method: str
    group: str | None  # None: any request of that method
    status: int
    code: str
    message: str
    times: int


@dataclass
class Operation:
    """A group deletion in flight: answers 202 `polls` more times, then ends with `outcome`."""

    id: str
    group: str
    polls: int
    outcome: str  # Succeeded | Failed | Canceled
    style: str  # "location" (how ARM answers for groups), "async" (Azure-AsyncOperation + status body), or
    #             "none" (202 with nowhere to follow it: only the group's own state tells)
    failure_status: int = 409
    ended: bool = False  # its effect (the group gone, or back to Succeeded) was applied


@dataclass
class Group:
    name: str
    location: str
    tags: dict[str, str]
    resources: list[dict] = field(default_factory=list)
    state: str = "Succeeded"
    created: str = ""  # systemData.createdAt
    properties: dict[str, dict] = field(default_factory=dict)  # a resource's properties, by its lower-case id


class AzureStandIn:
    """The stand-in's state and its HTTP server (127.0.0.1, a free port, a daemon thread)."""

    def __init__(self, subscription: str = DEFAULT_SUBSCRIPTION):
        self.subscription = subscription
        self.groups: dict[str, Group] = {}  # by lower-case name: ARM names are case-insensitive
        self.operations: dict[str, Operation] = {}
        self.requests: list[Request] = []
        self.injected: list[Injected] = []
        self.page_size = 1000
        self._plans: dict[str, dict] = {}  # how the next deletion of a group behaves
        self._ids = itertools.count(1)
        self._run = uuid.uuid4().hex[:8]  # a poller left over from another test never matches an operation here
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None

    # ---- life cycle -------------------------------------------------------------------------------
    def start(self) -> AzureStandIn:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                         name="azure-standin", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        assert self._server, "the stand-in is not running"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def env(self) -> dict[str, str]:
        """What a child process (the CLI, the TUI under a pty) needs to reach this stand-in."""
        return {"HUBTUI_AZURE_ENDPOINT": self.url, "AZURE_SUBSCRIPTION_ID": self.subscription}

    # ---- arranging a test -------------------------------------------------------------------------
    def group_id(self, name: str) -> str:
        return f"/subscriptions/{self.subscription}/resourceGroups/{name}"

    def add_group(self, name: str, location: str = "westeurope", tags: dict[str, str] | None = None) -> Group:
        time.sleep(0.001)  # two groups never have the same creation time
        with self._lock:
            group = Group(name, location, dict(tags or {}),
                          created=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
            self.groups[name.lower()] = group
            return group

    def add_resource(self, group: str, name: str, type_: str = "Microsoft.Storage/storageAccounts",
                     properties: dict | None = None) -> str:
        """A resource in the group (listed with it); with properties, a GET of its id answers them. Its id."""
        with self._lock:
            g = self.groups[group.lower()]
            rid = f"{self.group_id(g.name)}/providers/{type_}/{name}"
            g.resources.append({"id": rid, "name": name, "type": type_, "location": g.location})
            g.properties[rid.lower()] = dict(properties or {})
            return rid

    def add_aks(self, group: str, name: str, fqdn: str | None = None, private_fqdn: str | None = None) -> str:
        """An AKS managed cluster in the group, with the API server names ARM gives (properties.fqdn, and
        properties.privateFQDN for a private cluster). Its id."""
        props = {"provisioningState": "Succeeded", "kubernetesVersion": "1.30.4"}
        if fqdn:
            props["fqdn"] = fqdn
        if private_fqdn:
            props["privateFQDN"] = private_fqdn
        return self.add_resource(group, name, "Microsoft.ContainerService/managedClusters", props)

    def plan_delete(self, group: str, *, polls: int = 2, outcome: str = "Succeeded", style: str = "location",
                    failure_status: int = 409) -> None:
        """How the next deletion of `group` goes: `polls` answers of 202, then success or a failure."""
        self._plans[group.lower()] = dict(polls=polls, outcome=outcome, style=style, failure_status=failure_status)

    def inject(self, status: int, *, method: str = "DELETE", group: str | None = None, code: str = "",
               message: str = "", times: int = 1) -> None:
        """Answer the next `times` matching requests with this error instead of the normal answer."""
        code = code or {429: "TooManyRequests", 403: "AuthorizationFailed", 409: "Conflict",
                        500: "InternalServerError"}.get(status, "Error")
        message = message or f"injected {status} {code}"
        with self._lock:
            self.injected.append(Injected(method, group.lower() if group else None, status, code, message, times))

    # ---- asserting --------------------------------------------------------------------------------
    def calls(self, method: str, group: str | None = None) -> list[Request]:
        """The recorded requests of `method` (on `group` and below it, when given)."""
        with self._lock:
            return [r for r in self.requests if r.method == method
                    and (group is None or _group_of(r.path) == group.lower())]

    # ---- answering (called by the handler, under the lock) ----------------------------------------
    def answer(self, method: str, path: str, query: dict[str, str]) -> tuple[int, dict[str, str], object]:
        with self._lock:
            self.requests.append(Request(method, path, query))
            injected = self._take_injected(method, path)
            if injected:
                return injected
            return self._route(method, path, query)

    def _take_injected(self, method: str, path: str):
        group = _group_of(path)
        for inj in self.injected:
            if inj.method == method and inj.times > 0 and (inj.group is None or inj.group == group):
                inj.times -= 1
                headers = {"Retry-After": "0"} if inj.status == 429 else {}
                return inj.status, headers, _error(inj.code, inj.message)
        return None

    def _route(self, method: str, path: str, query: dict[str, str]):
        parts = [p for p in path.strip("/").split("/")]
        low = [p.lower() for p in parts]
        if len(low) < 2 or low[0] != "subscriptions" or low[1] != self.subscription.lower():
            return 404, {}, _error("SubscriptionNotFound", f"The subscription '{parts[1:2]}' could not be found.")
        rest, orig = low[2:], parts[2:]
        if rest == ["resourcegroups"] and method == "GET":
            return self._list_groups(query)
        if len(rest) == 2 and rest[0] == "resourcegroups":
            if method == "GET":
                return self._get_group(orig[1])
            if method == "DELETE":
                return self._delete_group(orig[1])
        if len(rest) == 3 and rest[0] == "resourcegroups" and rest[2] == "resources" and method == "GET":
            return self._list_resources(orig[1], query)
        if len(rest) == 6 and rest[0] == "resourcegroups" and rest[2] == "providers" and method == "GET":
            return self._get_resource(orig[1], "/".join(orig[3:]))
        if len(rest) == 2 and rest[0] in ("operationresults", "operationstatuses") and method == "GET":
            return self._poll(orig[1], status_body=rest[0] == "operationstatuses")
        return 400, {}, _error("InvalidRequest", f"the stand-in does not serve {method} {path}")

    def _group_json(self, g: Group) -> dict:
        return {"id": self.group_id(g.name), "name": g.name, "type": "Microsoft.Resources/resourceGroups",
                "location": g.location, "tags": g.tags, "properties": {"provisioningState": g.state},
                "systemData": {"createdAt": g.created}}

    def _get_resource(self, group: str, rest: str):
        """GET of one resource by its id (what resources.get_by_id sends)."""
        g = self.groups.get(group.lower())
        if not g:
            return _not_found(group)
        rid = f"{self.group_id(g.name)}/providers/{rest}".lower()
        found = next((r for r in g.resources if r["id"].lower() == rid), None)
        if found is None:
            return 404, {}, _error("ResourceNotFound", f"The Resource '{rest}' under resource group '{group}' "
                                                       "was not found.")
        return 200, {}, {**found, "properties": g.properties.get(rid, {})}

    def _list_groups(self, query: dict[str, str]):
        groups = list(self.groups.values())
        if "$filter" in query:
            m = TAG_FILTER.match(query["$filter"])
            if not m:
                return 400, {}, _error("InvalidFilter", f"the stand-in does not understand {query['$filter']!r}")
            groups = [g for g in groups if g.tags.get(m.group(1)) == m.group(2)]
        return 200, {}, {"value": [self._group_json(g) for g in groups]}

    def _get_group(self, name: str):
        g = self.groups.get(name.lower())
        if g and g.state == "Deleting":
            op = next((o for o in self.operations.values() if o.group == name.lower() and not o.ended), None)
            if op is not None:
                self._advance(op)
                g = self.groups.get(name.lower())
        return (200, {}, self._group_json(g)) if g else _not_found(name)

    def _list_resources(self, name: str, query: dict[str, str]):
        g = self.groups.get(name.lower())
        if not g:
            return _not_found(name)
        start = int(query.get("$skiptoken", "0"))
        page = g.resources[start:start + self.page_size]
        body: dict = {"value": page}
        if start + self.page_size < len(g.resources):
            body["nextLink"] = (f"{self.url}/subscriptions/{self.subscription}/resourcegroups/{g.name}/resources"
                                f"?api-version={query.get('api-version', '')}&$skiptoken={start + self.page_size}")
        return 200, {}, body

    def _delete_group(self, name: str):
        g = self.groups.get(name.lower())
        if not g:
            return _not_found(name)
        op = next((o for o in self.operations.values() if o.group == name.lower() and g.state == "Deleting"), None)
        if op is None:
            plan = self._plans.pop(name.lower(), dict(polls=2, outcome="Succeeded", style="location"))
            op = Operation(f"{self._run}-op{next(self._ids)}", name.lower(), **plan)
            self.operations[op.id] = op
            g.state = "Deleting"
        return 202, self._operation_headers(op), None

    def _operation_headers(self, op: Operation) -> dict[str, str]:
        if op.style == "none":
            return {}
        base = f"{self.url}/subscriptions/{self.subscription}"
        headers = {"Location": f"{base}/operationresults/{op.id}?api-version=2025-04-01"}
        if op.style == "async":
            headers["Azure-AsyncOperation"] = f"{base}/operationstatuses/{op.id}?api-version=2025-04-01"
        return headers

    def _poll(self, op_id: str, *, status_body: bool):
        op = self.operations.get(op_id)
        if op is None:
            return 404, {}, _error("OperationNotFound", f"operation {op_id} not found")
        status = self._advance(op)
        if status == "InProgress":
            return (200, {}, {"status": "InProgress"}) if status_body else (202, self._operation_headers(op), None)
        if status == "Succeeded":
            return (200, {}, {"status": "Succeeded"}) if status_body else (200, {}, None)
        error = {"code": "ResourceGroupDeletionBlocked", "message": f"deletion of {op.group} {op.outcome.lower()}"}
        if status_body:
            return 200, {}, {"status": op.outcome, "error": error}
        return op.failure_status, {}, {"error": error}


    def _advance(self, op: Operation) -> str:
        """One look at a deletion: InProgress while it has polls left, then its outcome (applied once: the
        group gone, or, failed, the group left as it was)."""
        if op.polls > 0:
            op.polls -= 1
            return "InProgress"
        if not op.ended:
            op.ended = True
            group = self.groups.get(op.group)
            if op.outcome == "Succeeded":
                self.groups.pop(op.group, None)
            elif group:
                group.state = "Succeeded"  # a failed deletion leaves the group (and whatever was not deleted)
        return op.outcome


def _group_of(path: str) -> str | None:
    """The lower-case resource group a path is about, if any."""
    m = re.search(r"/resourcegroups/([^/?]+)", path, re.IGNORECASE)
    return m.group(1).lower() if m else None


def _error(code: str, message: str) -> dict:
    return {"error": {"code": code, "message": message}}


def _not_found(name: str):
    return 404, {}, _error("ResourceGroupNotFound", f"Resource group '{name}' could not be found.")


def _handler_for(standin: AzureStandIn):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            parts = urlsplit(self.path)
            status, headers, body = standin.answer(self.command, parts.path, dict(parse_qsl(parts.query)))
            data = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if body is not None:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_DELETE = do_PUT = do_PATCH = do_POST = _serve

        def log_message(self, format, *args):
            pass

    return Handler


@pytest.fixture
def azure(monkeypatch):
    """A fresh Azure stand-in; HUBTUI_AZURE_ENDPOINT and AZURE_SUBSCRIPTION_ID point at it."""
    standin = AzureStandIn().start()
    for name, value in standin.env.items():
        monkeypatch.setenv(name, value)
    yield standin
    standin.stop()
