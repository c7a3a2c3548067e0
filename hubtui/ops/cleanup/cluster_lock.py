"""One cleanup per environment on a cluster, whichever machine runs it.

The state-folder lock (lock.py) keeps two runs on one laptop apart; a CI job and an operator's laptop need the
cluster itself to say "taken". `ClusterLease` holds a coordination.k8s.io Lease named
`hubtui-cleanup-<environment>` in `kube-system` (a namespace no cleanup deletes), naming its holder
(`user@host pid N`), and renews it every DURATION / 3 seconds from a thread of its own:

- a second run of the same environment, from any machine, is refused with the holder's name and since when;
- a holder that stops renewing (a crash, a closed laptop) loses the lease DURATION seconds after its last
  renewal, and the next run takes it over (an optimistic-concurrency update: two takers cannot both win). The
  renewal time is the holder's clock, so a taker also watches the lease for a third of its duration plus a
  margin, the holder's renewal interval: one that changes meanwhile has a live holder (a skewed clock never
  lets a run take a live lease);
- a holder that finds its lease taken, or could not renew it for DURATION seconds, reports it through `lost`,
  and the run stops at its next safe point. When the run starts deleting the cluster itself (the cloud step),
  it lets go of the lease (`let_go`): from then on the API server going away is expected, not a loss. When it
  deletes clusters whose endpoints are not this connection's server (a proxy or a DNS name in front of one
  looks the same), a server that has not answered for DURATION seconds once such a delete was sent is taken as
  that cluster going, not as the lease lost (`may_go`): the run goes on and renewing goes on; a server that
  answers again with another holder is a lost lease still;
- a lease whose holder ran on this machine (the same machine id) in a process that no longer exists (a
  killed run, resumed at once), or in this very process by a run that has ended (a resume from the same
  TUI), is taken over without waiting for it to expire;
- without the right to use Leases in kube-system, the run goes on with the state-folder lock only and says so
  (`skipped` holds the reason).

Every write carries the resourceVersion it read, so nothing here overwrites another holder's lease.
"""

from __future__ import annotations

import getpass
import os
import socket
import threading
import time
import uuid
from datetime import datetime, timedelta, UTC
from collections.abc import Callable

from ...errors import HubError, said
from ...kube.client import REQUEST_TIMEOUT, UNREACHABLE, KubeConnection, describe_api_error, failure_kind
from ...kube.objects import create_object, delete_object, dig, meta_of, read_object, replace_object
from .failures import (LeaseChangedHands, LeaseDeleted, LeaseHeld, LeaseNotRenewed, LeaseTakenBy, ReadingLease,
                       RenewingLease, TakingLease)

LEASES = ("coordination.k8s.io/v1", "leases")

NAMESPACE = "kube-system"
DURATION = 60  # seconds a lease lives without renewal

# The identities of the leases this process holds now (acquired, not yet released): a lease of this process
# that is not among them belongs to a run that has ended.
_HELD: set[str] = set()
_HELD_LOCK = threading.Lock()


def lease_name(environment: str) -> str:
    return f"hubtui-cleanup-{environment}"


def _now() -> datetime:
    return datetime.now(UTC)


def _micro(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse(value: str | None) -> datetime | None:
    """A Lease's MicroTime as the API gives it ("2026-12-03T18:00:00.123456Z"), in UTC."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def machine_id() -> str | None:
    """This machine, as a short hash of its machine id (None when it has none: then no pid is trusted)."""
    import hashlib

    for path in ("/etc/machine-id", "/var/lib/dbus/machine-id"):
        try:
            text = open(path).read().strip()
        except OSError:
            continue
        if text:
            return hashlib.sha256(text.encode()).hexdigest()[:16]
    return None


def _process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # another user's process: it exists
        return False
    return False


def holder_identity() -> str:
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name (a container): the uid
        user = str(os.getuid())
    return f"{user}@{socket.gethostname()} pid {os.getpid()}"


class ClusterLease:
    def __init__(self, conn: KubeConnection, environment: str, *, duration: int = DURATION,
                 identity: str | None = None, on_lost: Callable[[str], None] | None = None):
        self.conn, self.environment, self.duration = conn, environment, duration
        self.name = lease_name(environment)
        # a token of this holder: two hubtuis with the same pid on two hosts stay apart, and so do two
        # ClusterLease objects in one process
        self.identity = f"{identity or holder_identity()} #{uuid.uuid4().hex[:6]}"
        self.on_lost = on_lost
        self.skipped: str | None = None  # why the cluster lock is not held (no rights): the run says so
        self.lost: str | None = None  # why the lease was lost while held
        self._rv: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._let_go = False
        self._may_go: tuple[Callable[[], bool], Callable[[], None]] | None = None  # see may_go
        self._quiet_said = False

    @property
    def held(self) -> bool:
        return self._rv is not None and self.lost is None

    def _read(self) -> dict:
        return read_object(self.conn, *LEASES, self.name, NAMESPACE)

    def _replace(self, body: dict) -> dict:
        return replace_object(self.conn, *LEASES, self.name, NAMESPACE, body)

    def _body(self, now: datetime, acquired: datetime | None = None, rv: str | None = None) -> dict:
        annotations = {"hubtui.io/environment": self.environment, "hubtui.io/pid": str(os.getpid())}
        machine = machine_id()
        if machine:
            annotations["hubtui.io/machine"] = machine
            annotations["hubtui.io/host"] = socket.gethostname()  # containers share a machine id
        meta: dict = {"name": self.name, "namespace": NAMESPACE,
                      "labels": {"app.kubernetes.io/managed-by": "hubtui"}, "annotations": annotations}
        if rv:
            meta["resourceVersion"] = rv
        return {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": meta,
                "spec": {"holderIdentity": self.identity, "leaseDurationSeconds": self.duration,
                         "acquireTime": _micro(acquired or now), "renewTime": _micro(now)}}

    # ----- taking and giving back ---------------------------------------------------------
    def acquire(self) -> ClusterLease:
        """Take the lease (HubError naming the holder when another run has it); without the right to, note
        why in `skipped` and go on."""
        now = _now()
        try:
            created = create_object(self.conn, *LEASES, NAMESPACE, self._body(now))
            self._rv = meta_of(created).get("resourceVersion")
            self._hold()
        except Exception as e:  # noqa: BLE001 - 409: someone has (or had) it; 403: no rights
            status = getattr(e, "status", None)
            if status == 403:
                self.probe()  # may not write Leases, but another run's may be readable: refused then
                self.skipped = str(describe_api_error(e, TakingLease(NAMESPACE, self.name)))
                return self
            if status != 409:
                raise describe_api_error(e, TakingLease(NAMESPACE, self.name)) from None
            self._take_over()
        self._thread = threading.Thread(target=self._renew_loop, name=f"lease {self.name}", daemon=True)
        self._thread.start()
        return self

    def _take_over(self) -> None:
        current = self._read()
        busy = self._busy(current)
        if busy:
            raise busy
        if dig(current, "spec", "holderIdentity") and not self._holder_gone(current):
            current = self._watch_for_renewal(current)  # expired by its clock: is its holder really gone?
        now = _now()
        try:
            replaced = self._replace(self._body(now, rv=meta_of(current).get("resourceVersion")))
        except Exception as e:  # noqa: BLE001
            if getattr(e, "status", None) == 409:  # another run took it over first
                again = self._busy(self._read())
                raise again or HubError(LeaseChangedHands(self.environment)) from None
            raise describe_api_error(e, TakingLease(NAMESPACE, self.name)) from None
        self._rv = meta_of(replaced).get("resourceVersion")
        self._hold()

    def _watch_for_renewal(self, lease: dict) -> dict:
        """Read the lease again for one renewal interval of its holder (a third of its duration, plus a
        margin): a holder that renews meanwhile is alive, whatever its clock says (HubError naming it)."""
        duration = dig(lease, "spec", "leaseDurationSeconds") or self.duration
        deadline = time.monotonic() + duration / 3 + 2
        while time.monotonic() < deadline:
            time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))
            again = self._read()
            if meta_of(again).get("resourceVersion") != meta_of(lease).get("resourceVersion"):
                busy = self._busy(again, trust_clock=False)
                if busy:
                    raise busy
                return again  # released meanwhile
        return lease

    @staticmethod
    def _holder_gone(lease: dict) -> bool:
        """The holder ran on this machine, in a process that no longer exists (a killed run)."""
        notes = meta_of(lease).get("annotations") or {}
        machine, pid = machine_id(), notes.get("hubtui.io/pid", "")
        if not (machine and notes.get("hubtui.io/machine") == machine and pid.isdigit()):
            return False
        if notes.get("hubtui.io/host") != socket.gethostname():  # another container of the same machine id
            return False
        if int(pid) == os.getpid():  # this process: gone unless a run of it holds the lease now
            with _HELD_LOCK:
                return dig(lease, "spec", "holderIdentity") not in _HELD
        return _process_gone(int(pid))

    def _busy(self, lease: dict, trust_clock: bool = True) -> HubError | None:
        """A HubError naming the holder when `lease` is held by another, live run; None when it is free."""
        if self._holder_gone(lease):
            return None
        spec = lease.get("spec") or {}
        holder = spec.get("holderIdentity")
        renewed = _parse(spec.get("renewTime") or spec.get("acquireTime"))
        duration = spec.get("leaseDurationSeconds") or self.duration
        if not holder or renewed is None or (trust_clock and renewed + timedelta(seconds=duration) < _now()):
            return None  # released, or its holder stopped renewing: free to take
        since = _parse(spec.get("acquireTime")) or renewed
        return HubError(LeaseHeld(self.environment, str(holder), since.astimezone(UTC).isoformat(timespec="seconds"),
                                  NAMESPACE, self.name))

    def probe(self) -> None:
        """Refuse now (HubError naming the holder) if another run holds the lease; take nothing."""
        try:
            lease = self._read()
        except Exception as e:  # noqa: BLE001 - not there, or not readable: nothing to refuse on
            if getattr(e, "status", None) in (403, 404):
                return
            raise describe_api_error(e, ReadingLease(NAMESPACE, self.name)) from None
        busy = self._busy(lease)
        if busy:
            raise busy

    def let_go(self) -> None:
        """The run is deleting the cluster itself: stop renewing (an API server that goes away is expected now,
        not a lost lease); the lease expires with the cluster, or DURATION seconds after its last renewal."""
        self._let_go = True
        self._stop.set()

    def may_go(self, going: Callable[[], bool] | None, on_going: Callable[[], None] = lambda: None) -> None:
        """The run deletes clusters that may be this one (their endpoints are not this connection's server, which
        a proxy or another DNS name in front of one also gives); `going()`: a delete of one was sent. From then
        on a server that has not answered (no connection, or a proxy's 502-504) for DURATION seconds is taken as
        that cluster going: the run is not stopped as if another run held the lease, `on_going` is called once, and
        renewing goes on, so a server that answers again with another holder is still a lost lease. None: no
        cluster may go any more (the cloud step ended)."""
        self._may_go = None if going is None else (going, on_going)

    def _hold(self) -> None:
        with _HELD_LOCK:
            _HELD.add(self.identity)

    def release(self) -> None:
        """Stop renewing and delete the lease, if it is still this run's (never another holder's). After
        let_go the cluster may be gone: one quick try (it expires on its own otherwise)."""
        self._stop.set()
        with _HELD_LOCK:
            _HELD.discard(self.identity)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(REQUEST_TIMEOUT[1] + 5)
        rv, self._rv = self._rv, None
        if rv is None or self.lost:
            return
        try:
            delete_object(self.conn, *LEASES, self.name, NAMESPACE, resource_version=rv,
                          timeout=(2, 5) if self._let_go else REQUEST_TIMEOUT,
                          retries=False if self._let_go else None)  # the cluster may be going: one try
        except Exception:  # noqa: BLE001 - gone, or renewed by nobody: it expires on its own
            pass

    def __enter__(self) -> ClusterLease:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()

    # ----- renewing -------------------------------------------------------------------------
    def _renew_loop(self) -> None:
        renewed_at = time.monotonic()
        while not self._stop.wait(self.duration / 3):
            try:
                current = self._read()
                holder = dig(current, "spec", "holderIdentity")
                if holder != self.identity:
                    self._lose(said(LeaseTakenBy(self.environment, holder)))
                    return
                if self._stop.is_set():
                    return
                acquired = _parse(dig(current, "spec", "acquireTime"))
                renewed = self._replace(self._body(_now(), acquired, rv=meta_of(current).get("resourceVersion")))
                self._rv = meta_of(renewed).get("resourceVersion")
                renewed_at = time.monotonic()
            except Exception as e:  # noqa: BLE001
                if getattr(e, "status", None) == 404:
                    self._lose(said(LeaseDeleted(self.environment)))
                    return
                # a failed renewal (network, 409 from a concurrent write) is tried again at the next tick; the
                # lease lasts three ticks, after which another run may take it
                if time.monotonic() - renewed_at > self.duration:
                    if self._cluster_gone(e):
                        continue  # gone, not taken: the run goes on, and so does renewing
                    self._lose(said(LeaseNotRenewed(self.environment, self.duration,
                                                    describe_api_error(e, RenewingLease()))))
                    return

    def _cluster_gone(self, e: BaseException) -> bool:
        """Whether a renewal that got no answer is the cluster going (may_go), said once."""
        if self._may_go is None or not (failure_kind(e)[0] == UNREACHABLE or getattr(e, "status", None) in (
                502, 503, 504)):
            return False
        going, on_going = self._may_go
        if not going():
            return False
        if not self._quiet_said:
            self._quiet_said = True
            on_going()
        return True

    def _lose(self, why: str) -> None:
        if self._stop.is_set():  # released, or let go: nothing is held any more
            return
        self.lost = why
        if self.on_lost is not None:
            self.on_lost(why)
