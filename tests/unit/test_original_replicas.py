"""hubtui.io/original-replicas: one parser, plain ASCII digits from 0 to 1000, and a row never raises over it."""

from __future__ import annotations

import pytest

from hubtui.errors import UsageError
from hubtui.kube.deployments import (ORIGINAL_REPLICAS_ANNOTATION, InvalidOriginalReplicas, parse_original_replicas,
                                     row_from)
from hubtui.ops.scale import parse_replicas


@pytest.mark.parametrize("value, n", [(None, None), ("0", 0), ("3", 3), ("1000", 1000), ("007", 7)])
def test_a_valid_record_is_its_count(value, n):
    assert parse_original_replicas(value) == n


@pytest.mark.parametrize("value, why", [
    ("²", "'²', not a whole number from 0 to 1000"),  # isdigit() says yes; int() raises
    ("٣", "'٣', not a whole number from 0 to 1000"),  # int() says 3
    ("-1", "'-1', not a whole number"),
    ("+3", "'+3', not a whole number"),
    (" 3", "' 3', not a whole number"),  # int() strips it
    ("3\n", "'3\\n', not a whole number"),
    ("abc", "'abc', not a whole number"),
    ("", "'', not a whole number"),
    ("1_0", "'1_0', not a whole number"),  # int() takes underscores
    ("1001", "'1001', more than hubtui restores (1000)"),
    ("99999", "'99999', more than hubtui restores (1000)"),
    ("9" * 5000, "more than hubtui restores (1000)"),
])
def test_anything_else_is_refused_with_a_reason_that_shows_the_value(value, why):
    with pytest.raises(InvalidOriginalReplicas) as caught:
        parse_original_replicas(value)
    message = str(caught.value)
    assert message.startswith(f"{ORIGINAL_REPLICAS_ANNOTATION} is ") and why in message
    assert "\n" not in message and len(message) < 120


def _deployment(annotation: str | None) -> dict:
    meta = {"name": "api-server", "creationTimestamp": "2026-01-01T00:00:00Z", "generation": 1}
    if annotation is not None:
        meta["annotations"] = {ORIGINAL_REPLICAS_ANNOTATION: annotation}
    return {"metadata": meta, "spec": {"replicas": 0}, "status": {}}


@pytest.mark.parametrize("value", ["²", "-1", "99999", "abc", " 3"])
def test_a_row_with_a_bad_record_carries_no_count_and_the_problem(value):
    row = row_from(_deployment(value))  # never raises: this runs on the watch thread
    assert row.original_replicas is None
    assert row.original_problem == str(pytest.raises(InvalidOriginalReplicas, parse_original_replicas, value).value)


def test_a_row_with_a_good_record_or_none_has_no_problem():
    assert (row_from(_deployment("4")).original_replicas, row_from(_deployment("4")).original_problem) == (4, None)
    assert (row_from(_deployment(None)).original_replicas, row_from(_deployment(None)).original_problem) == (None, None)


@pytest.mark.parametrize("value", ["٣", "²", "３"])
def test_a_replica_flag_takes_ascii_digits_only(value):
    with pytest.raises(UsageError, match="replicas must be a whole number from 0 to 1000"):
        parse_replicas(value)
