"""List-then-watch of one collection, as plain dicts, that survives what a real API server does.

- resumes each new watch from the last resourceVersion seen (bookmarks included);
- 410 Gone (the version is too old): lists again and reports what changed meanwhile;
- the API server goes away (restart, network): reports the error, retries with backoff, and lists
  again when it is back;
- stop() returns promptly: it shuts the open response from the calling thread, so no thread stays
  blocked on a read and the app can exit;
- `schema` (a TypedDict of the fields the consumer reads) is decoded straight from the bytes: the rest of each
  object (managedFields, pod templates, ...) is skipped by the parser, never built as dicts. A list of
  2,000 deployments decodes ~15x faster than with json.loads, and its pages never hold whole objects;
- `transform` then reduces each object further (before it is cached or reported), so that a cache of
  thousands of objects holds only what its consumer reads.

No polling: between reconnects the only traffic is the watch stream itself.
"""

from __future__ import annotations

import functools
import threading
import time
from typing import Any
from collections.abc import Callable

from ..errors import said
from ..frozen import frozen
from .client import REQUEST_TIMEOUT, describe_api_error, failure_kind
from .failures import WatchError, Watching


def _log():
    """This module's logger: logging is imported when something is logged (rarely), not by every command that
    imports the watches' module (`hubtui scale`)."""
    import logging

    return logging.getLogger(__name__)


ADDED, MODIFIED, DELETED = "ADDED", "MODIFIED", "DELETED"
SYNCED = "SYNCED"  # a full list was applied: the cache matches the server
ERROR = "ERROR"  # the connection is broken; the watcher keeps retrying

# Server-side watch timeout: the stream ends and is resumed from the last version this often.
WATCH_SECONDS = 60
# Objects per page of a list (a relist of thousands comes in pages).
LIST_PAGE = 500


@functools.cache
def _stream_decoders() -> tuple[Any, Any]:
    """(a watch stream's line, any JSON) decoders. msgspec is imported on the first watch, not with this module:
    a command that only lists and patches (`hubtui scale -d NAME`) never pays its import."""
    import msgspec

    # one line of a watch stream; the object is decoded once its type is known (an ERROR's is a Status)
    line = msgspec.defstruct("Line", [("type", Any, None), ("object", msgspec.Raw, msgspec.Raw(b"{}"))])
    return msgspec.json.Decoder(line), msgspec.json.Decoder()


def decoders(schema: type | None) -> tuple[Any, Any]:
    """(list page, object) decoders for objects of `schema` (None: every field, as plain dicts)."""
    import msgspec

    item: Any = schema if schema is not None else dict[str, Any]
    page = msgspec.defstruct("Page", [("metadata", dict[str, Any], {}), ("items", list[item] | None, None)])
    return msgspec.json.Decoder(page), msgspec.json.Decoder(item)


@frozen
class WatchEvent:
    type: str
    obj: dict | None = None
    error: str | None = None
    kind: str = ""  # an ERROR's kind: kube.client's UNAUTHORIZED, FORBIDDEN, UNREACHABLE or FAILED


def name_key(obj: dict) -> str:
    return obj["metadata"]["name"]


def namespaced_key(obj: dict) -> str:
    """The key of an object of a cluster-wide list: namespace/name."""
    meta = obj["metadata"]
    return f"{meta.get('namespace', '')}/{meta['name']}"


class ResponseThread:
    """A thread that reads one API response at a time (a watch, a followed log). stop() closes the open response
    from the calling thread, so a read blocked on it ends at once and the thread with it.

    A subclass implements _run() (on the thread), opens each response and hands it to _hold() (which closes it
    at once if stop() came first), and gives it back with _release(). `_lock` guards the open response; a
    subclass may guard its own state with it too."""

    def __init__(self, name: str):
        self._name = name
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._resp = None
        self._thread: threading.Thread | None = None

    def start(self):
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        with self._lock:
            resp = self._resp
        if resp is not None:
            shutdown_response(resp)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    @property
    def thread(self) -> threading.Thread | None:
        """The stream's thread (None before start()): a test checks that stop() ended it."""
        return self._thread

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def _run(self) -> None:
        raise NotImplementedError

    def _hold(self, resp):
        """Register the response being read, so that stop() can close it; returns it."""
        with self._lock:
            self._resp = resp
        if self._stop.is_set():  # stop() ran before the response was registered
            shutdown_response(resp)
        return resp

    def _release(self, resp) -> None:
        with self._lock:
            if self._resp is resp:
                self._resp = None
        resp.release_conn()


class Watcher(ResponseThread):
    """Keep `cache` (key -> object dict) in sync with one collection and report each change.

    list_call(**kw) lists or watches the collection, called as the client's generated list methods are, with
    _preload_content=False: normally a kube.rest.Collection (e.g. Collection(api, "apps/v1", "deployments",
    "ns")), so objects stay plain dicts (fast; no model classes).
    on_event(events) receives batches of WatchEvent on the watcher's thread.
    Other threads read the cache through snapshot() (a copy taken under the watcher's lock).
    what: what it watches, a fact of kube/failures.py worded as a phrase (PodsIn…), or a plain str.
    key(obj) names an object in the cache (default: its name; namespaced_key for a cluster-wide list).
    schema: a TypedDict (total=False) naming the fields to decode, nested; everything else is skipped while
    parsing. It must keep metadata.name, metadata.namespace and metadata.resourceVersion.
    transform(obj) -> obj is applied to every object before it is cached and reported; it must keep
    the same three fields.
    """

    def __init__(self, list_call: Callable, on_event: Callable[[list[WatchEvent]], None], *, what: object,
                 backoff_max: float = 5.0, key: Callable[[dict], str] = name_key,
                 transform: Callable[[dict], dict] | None = None, schema: type | None = None):
        super().__init__("watch")  # named for what it watches as it runs (_run): wording it may load present/'s
        # module, which is not its starter's to pay for (the first screen's)
        self._list_call = list_call
        self._on_event = on_event
        self.what = what
        self._key = key
        self._transform = transform
        self._page, self._object = decoders(schema)
        self.cache: dict[str, dict] = {}  # guarded by _lock
        self._rv: str | None = None
        self._backoff_max = backoff_max
        self.connected = threading.Event()

    def snapshot(self) -> dict[str, dict]:
        with self._lock:
            return dict(self.cache)

    def get(self, name: str) -> dict | None:
        with self._lock:
            return self.cache.get(name)

    def start(self) -> Watcher:
        super().start()
        return self

    # ----- the loop ----------------------------------------------------------------------
    def _run(self) -> None:
        threading.current_thread().name = f"watch {_named(self.what)}"
        delay = 0.2
        while not self._stop.is_set():
            try:
                if self._rv is None:
                    self._relist()
                opened = time.monotonic()
                self._watch_once()
                if time.monotonic() - opened > 1:
                    delay = 0.2  # a healthy stream: the next failure starts the backoff afresh
                else:
                    self._stop.wait(delay)  # a stream that closes at once must not spin
                    delay = min(delay * 2, self._backoff_max)
            except _Gone:
                _log().info("%s: resourceVersion %s expired; listing again", _named(self.what), self._rv)
                self._rv = None
            except Exception as e:  # noqa: BLE001 - every failure means: report, wait, reconnect
                if self._stop.is_set():
                    break
                if getattr(e, "status", None) == 410:  # Gone as an HTTP status rather than an event
                    self._rv = None
                    continue
                self.connected.clear()
                self._emit([WatchEvent(ERROR, error=str(describe_api_error(e, Watching(self.what))),
                                       kind=failure_kind(e)[0])])
                self._stop.wait(delay)
                delay = min(delay * 2, self._backoff_max)
                self._rv = None  # after an outage, list again: events may have been missed

    def _open(self, read_timeout: float, **kw):
        return self._hold(self._list_call(_preload_content=False, _request_timeout=(5, read_timeout), **kw))

    def _relist(self) -> None:
        # In pages: each page is parsed, stripped and dropped before the next, so that the memory a big
        # collection needs at once is one page's, not the whole list's (the pages are one consistent list).
        transform, key = self._transform, self._key
        items: dict[str, dict] = {}
        token = None
        while True:
            resp = self._open(REQUEST_TIMEOUT[1], limit=LIST_PAGE, **({"_continue": token} if token else {}))
            try:
                page = self._page.decode(resp.data)
            finally:
                self._release(resp)
            raw = page.items or []
            items.update((key(o), o) for o in (map(transform, raw) if transform else raw))
            del raw
            token = page.metadata.get("continue")
            if not token or self._stop.is_set():
                break
        events = [WatchEvent(DELETED, obj) for name, obj in self.cache.items() if name not in items]
        for name, obj in items.items():
            old = self.cache.get(name)
            if old is None:
                events.append(WatchEvent(ADDED, obj))
            elif old["metadata"].get("resourceVersion") != obj["metadata"].get("resourceVersion"):
                events.append(WatchEvent(MODIFIED, obj))
        with self._lock:
            self.cache = items
        self._rv = page.metadata["resourceVersion"]
        self.connected.set()
        self._emit(events + [WatchEvent(SYNCED)])

    def _watch_once(self) -> None:
        resp = self._open(WATCH_SECONDS + 15, watch=True, resource_version=self._rv, allow_watch_bookmarks=True,
                          timeout_seconds=WATCH_SECONDS)
        line_of, _ = _stream_decoders()
        try:
            buf = b""
            for chunk in resp.stream(16384, decode_content=True):
                buf += chunk
                lines = buf.split(b"\n")
                buf = lines.pop()
                events = [e for e in (self._apply(line_of.decode(line)) for line in lines if line.strip()) if e]
                if events:
                    self._emit(events)
                if self._stop.is_set():
                    return
        finally:
            self._release(resp)

    def _apply(self, line: Any) -> WatchEvent | None:
        kind = line.type
        if kind == "ERROR":
            status = _stream_decoders()[1].decode(line.object)
            status = status if isinstance(status, dict) else {}
            if status.get("code") == 410:
                raise _Gone()
            raise RuntimeError(status.get("message") or said(WatchError()))
        obj = self._object.decode(line.object) or {}
        rv = (obj.get("metadata") or {}).get("resourceVersion")
        if rv:
            self._rv = rv
        if kind == "BOOKMARK" or not isinstance(kind, str):
            return None
        if self._transform is not None:
            obj = self._transform(obj)
        name = self._key(obj)
        with self._lock:
            if kind == DELETED:
                self.cache.pop(name, None)
            else:
                self.cache[name] = obj
        return WatchEvent(kind, obj)

    def _emit(self, events: list[WatchEvent]) -> None:
        try:
            self._on_event(events)
        except Exception:  # noqa: BLE001 - logged with its traceback; the watch goes on
            _log().exception("%s: event handler failed", _named(self.what))


class _Gone(Exception):
    pass


def _named(what: object) -> str:
    """What a watch watches, as its log lines name it: a fact worded (present/), a plain str as it is."""
    return what if isinstance(what, str) else said(what)


def shutdown_response(resp) -> None:
    """Unblock a read on `resp` from another thread."""
    try:
        resp.shutdown()  # the socket shut down under a blocked read (kube/wire.py; urllib3 >= 2.3)
    except Exception:  # noqa: BLE001
        try:
            resp.close()
        except Exception:  # noqa: BLE001
            pass
