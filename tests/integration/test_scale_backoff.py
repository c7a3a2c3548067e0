"""`hubtui scale --all` against an API server that says 429: a small HTTP proxy in front of the real local
API server answers Too Many Requests (Retry-After: 1) to the first scale requests, then lets them through.
hubtui backs off (fewer requests in flight), retries, and every deployment ends at its count."""

from __future__ import annotations

import json

import pytest

from hubtui.ops.scale import MAX_PARALLEL, AdaptiveLimiter

from ..kubehelpers import HttpProxy, Scratch

# A bulk change sends its first request alone, then the rest MAX_PARALLEL at a time: the first one is refused
# once, and then every request of the first parallel wave.
THROTTLED = frozenset({0, *range(2, 2 + MAX_PARALLEL)})


@pytest.mark.cluster
def test_scale_all_backs_off_on_429_and_retry_after_and_scales_everything(kube, local_cluster, tmp_path):
    ns = Scratch(kube.api, "throttled")
    try:
        names = [f"svc-{i:02d}" for i in range(40)]
        for name in names:
            ns.add(name, 1)
        with HttpProxy.in_front_of(local_cluster, throttle=THROTTLED) as proxy:
            proc = proxy.hubtui(tmp_path, ns.name, "scale", "--all", "-r", "2", "--json")
        assert proc.returncode == 0, proc.stderr
        doc = json.loads(proc.stdout)  # one document: no progress on stdout
        assert doc["ok"] and sorted(c["deployment"] for c in doc["changes"]) == names
        assert all(c["error"] is None for c in doc["changes"])
        assert ns.replicas() == {name: 2 for name in names}
        assert proxy.refused == len(THROTTLED) and proxy.passed == len(names)
        # After a wave of 429s the client starts again from one request at a time and adds one for every 8
        # successes in a row: far fewer at once than its maximum.
        assert 1 <= proxy.peak_after_throttling <= 1 + len(names) // 8 < MAX_PARALLEL, proxy.peak_after_throttling
        assert "\r" not in proc.stderr  # stderr is not a terminal here: no progress line
    finally:
        ns.delete()


@pytest.mark.cluster
@pytest.mark.parametrize("user", [{}, {"username": "admin", "password": "secret"}], ids=["lean", "library"])
def test_a_scale_whose_connection_drops_before_the_answer_is_sent_again_and_succeeds(kube, local_cluster, tmp_path,
                                                                                     user):
    """A PATCH is not retried by HTTP clients by default; a scale sets a value, so sending it again is safe:
    the connection that drops after the server acted does not fail the command. Through hubtui's own transport,
    and through the library's (a kubeconfig only the library's loader reads)."""
    ns = Scratch(kube.api, "dropped")
    try:
        ns.add("api-server", 1)
        with HttpProxy.in_front_of(local_cluster, throttle=frozenset(), drop=1) as proxy:
            proc = proxy.hubtui(tmp_path, ns.name, "scale", "-d", "api-server", "-r", "3", "--json", user=user)
        assert proc.returncode == 0, proc.stderr
        assert json.loads(proc.stdout)["changes"][0]["error"] is None
        assert proxy.dropped == 1 and proxy.passed == 2  # sent, dropped, sent again
        assert ns.replicas() == {"api-server": 3}
    finally:
        ns.delete()


@pytest.mark.cluster
def test_a_named_scale_reads_only_the_named_deployment_not_the_namespace(kube, local_cluster, tmp_path):
    """`scale -d NAME` in a namespace of 30 deployments: a GET of that deployment (the HPAs' list beside it),
    the scale PATCH, and a GET of it again for the status; never the namespace's whole list. A name that is not
    there still gets the list's "did you mean"."""
    ns = Scratch(kube.api, "named")
    try:
        for i in range(30):
            ns.add(f"svc-{i:02d}", 1)
        with HttpProxy.in_front_of(local_cluster, throttle=frozenset()) as proxy:
            proc = proxy.hubtui(tmp_path, ns.name, "scale", "-d", "svc-07", "-r", "2", "--json")
            asked = list(proxy.seen)
            typo = proxy.hubtui(tmp_path, ns.name, "scale", "-d", "svc-7", "-r", "2")
        assert proc.returncode == 0, proc.stderr
        doc = json.loads(proc.stdout)
        assert [(c["deployment"], c["from"], c["to"], c["desired"]) for c in doc["changes"]] == [("svc-07", 1, 2, 2)]
        one = f"/apis/apps/v1/namespaces/{ns.name}/deployments/svc-07"
        hpas = f"/apis/autoscaling/v2/namespaces/{ns.name}/horizontalpodautoscalers"
        assert sorted(asked) == sorted([f"GET {one}", f"GET {hpas}", f"PATCH {one}/scale", f"GET {one}"]), asked
        assert typo.returncode == 2 and "'svc-7' not found" in typo.stderr, typo.stderr
        assert "did you mean" in typo.stderr and "svc-07" in typo.stderr, typo.stderr
        assert ns.replicas() == {f"svc-{i:02d}": 2 if i == 7 else 1 for i in range(30)}  # the typo changed nothing
    finally:
        ns.delete()


def test_the_limiter_halves_on_429_waits_retry_after_and_grows_back():
    """The limiter's arithmetic with a fake clock (the behaviour is proven above against the real server)."""

    class TooMany(Exception):
        status = 429
        headers = {"Retry-After": "2"}

    now = [0.0]
    slept = []
    limiter = AdaptiveLimiter(8, grow_after=2, clock=lambda: now[0])
    attempts = [0]

    def flaky():
        attempts[0] += 1
        if attempts[0] == 1:
            raise TooMany()
        return "ok"

    # the pause is waited on the condition; move the clock forward when the limiter waits
    orig_wait = limiter._cond.wait

    def wait(timeout=None):
        slept.append(timeout)
        now[0] += timeout or 0
        return orig_wait(0)

    limiter._cond.wait = wait
    assert limiter.call(flaky) == "ok"
    assert limiter.limit == 4 and limiter.throttled == 1 and slept and slept[0] == pytest.approx(2.0)
    for _ in range(4):
        limiter.call(lambda: None)
    assert limiter.limit == 6  # one more for every two successes in a row, up to the maximum

    class Broken(Exception):
        status = 500

    with pytest.raises(Broken):  # anything but a 429 is the caller's
        limiter.call(lambda: (_ for _ in ()).throw(Broken()))
    assert limiter.in_flight == 0
