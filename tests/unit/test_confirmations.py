"""The typed phrases that guard a destroy: only the exact phrase passes."""

from __future__ import annotations

import pytest

from hubtui.ops.cleanup.confirm import accepted, confirmations


def test_every_environment_asks_for_yes():
    [only] = confirmations("staging")
    assert only.question == "Are you sure you want to destroy 'staging'? (yes/NO)"
    assert accepted(only, "yes")


def test_production_first_needs_delete_production_then_yes():
    first, second = confirmations("production")
    assert first.phrase == "DELETE PRODUCTION" and second.phrase == "yes"
    assert accepted(first, "DELETE PRODUCTION") and accepted(second, "yes")


@pytest.mark.parametrize("typed", ["", "y", "Y", "YES", "Yes", " yes", "yes ", "yes\n", "yess", "no", "ye"])
def test_anything_but_yes_is_refused(typed):
    [ask] = confirmations("dev")
    assert not accepted(ask, typed)


@pytest.mark.parametrize("typed", ["", "delete production", "DELETE  PRODUCTION", " DELETE PRODUCTION",
                                   "DELETE PRODUCTION ", "DELETE", "yes", "DELETE PROD"])
def test_anything_but_delete_production_is_refused(typed):
    first, _ = confirmations("production")
    assert not accepted(first, typed)


def test_delete_production_is_not_asked_for_other_environments():
    for env in ("dev", "staging", "prod", "production-eu"):
        assert [c.phrase for c in confirmations(env)] == ["yes"]
