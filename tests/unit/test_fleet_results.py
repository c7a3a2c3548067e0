"""A hub's result across the fleet is facts (ops/fleet.HubResult), worded once by present/fleet.py for the fleet
screen's rows, `hubtui scale --contexts` and its JSON."""

from __future__ import annotations

from hubtui.events import HpaWillUndo
from hubtui.ops.fleet import (DONE, HUB_FAILED, MAYBE_PRODUCTION, NOT_A_HUB, NOT_READY, NOT_STARTED, READ_ONLY, REFUSED,
                              SAME_HUB, UNCONFIRMED, HubResult)
from hubtui.ops.scale import ScaleChange
from hubtui.present.fleet import result_dict, result_text


def hub(outcome: str, **kw) -> HubResult:
    return HubResult("dev", "hub", outcome == DONE, outcome, **kw)


def test_each_outcome_in_words():
    ok, bad = ScaleChange("api", 2, 0), ScaleChange("worker", 1, 0, error="forbidden")
    same = ScaleChange("cron", 0, 0)
    assert result_text(hub(NOT_STARTED)) == "not started: stopped"
    assert result_text(hub(REFUSED, why="context dev is read-only", refused=READ_ONLY)) == \
        "refused: read-only (context dev is read-only)"
    assert result_text(hub(REFUSED, refused=NOT_A_HUB)) == \
        "refused: namespace hub comes from the context and is no hub's: name the hub's with -n"
    assert result_text(hub(REFUSED, refused=UNCONFIRMED)) == "refused: a production hub, and its name was not confirmed"
    assert result_text(hub(REFUSED, refused=MAYBE_PRODUCTION)).startswith("refused: its namespace's labels could not")
    assert result_text(hub(SAME_HUB, why="dev-a", of_first=DONE)) == \
        "the same hub as dev-a (its server and namespace): changed once, there"
    assert result_text(hub(SAME_HUB, why="dev-a", of_first=REFUSED)) == \
        "the same hub as dev-a (its server and namespace): not changed here either (refused there)"
    assert result_text(hub(HUB_FAILED, why="cannot reach the API server")) == "failed: cannot reach the API server"
    assert result_text(hub(HUB_FAILED, changes=(ok, bad, bad))) == "failed: worker: forbidden (and 1 more)"
    assert result_text(hub(NOT_READY, wait=6, not_ready={"api": "0/2 ready", "cron": "x"})) == \
        "not ready after 6 s: api: 0/2 ready (and 1 more)"
    assert result_text(hub(NOT_READY, wait=6, not_ready={"api": "0/2 ready"},
                           rolled_back=(ScaleChange("api", 0, 2), ScaleChange("cron", 3, 1, error="gone")))) == \
        "not ready after 6 s: api: 0/2 ready; rolled back 1 of 2, NOT cron: gone"
    assert result_text(hub(DONE)) == "done: nothing to do"
    assert result_text(hub(DONE, changes=(ok, same))) == "done: 1 of 2 deployments changed"
    assert result_text(hub(DONE, changes=(ok,), dry_run=True)) == "done: 1 of 1 deployments would change"
    assert result_text(hub(DONE, changes=(ok,), seconds=4.2)) == "done: 1 of 1 deployments changed, all ready in 4 s"


def test_the_json_gives_the_words_and_each_changes_warning_in_words():
    warned = ScaleChange("api", 2, 12, warning=HpaWillUndo("api", "api-hpa", 2, 10, 12))
    doc = result_dict(hub(DONE, changes=(warned,)))
    assert doc["result"] == "done: 1 of 1 deployments changed" and doc["ok"] is True
    assert doc["changes"] == [{"deployment": "api", "from": 2, "to": 12, "error": None,
                               "warning": "api: 12 is outside HPA api-hpa's range 2–10: the HPA will scale it back to 10"}]


def test_two_spellings_of_one_server_are_one_hub():
    from hubtui.ops.fleet import Hub, hub_key

    assert hub_key(Hub("a", "hub", "https://API.example.com:443/")) == hub_key(Hub("b", "hub", "api.example.com"))
    assert hub_key(Hub("a", "hub", "https://api.example.com:6443")) != hub_key(Hub("b", "hub", "api.example.com"))
    assert hub_key(Hub("a", "hub", "api.example.com")) != hub_key(Hub("b", "other", "api.example.com"))
