"""Read-only mode's switches and the config file: each bad key is one line naming it."""

from __future__ import annotations

import re

import pytest

from hubtui.errors import UsageError
from hubtui.readonly import ReadOnlyError, readonly_reason
from hubtui.settings import Settings


def write_config(tmp_path, text: str) -> dict:
    folder = tmp_path / "config" / "hubtui"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.toml").write_text(text)
    return {"XDG_CONFIG_HOME": str(tmp_path / "config"), "HOME": str(tmp_path)}


def test_off_by_default_and_on_by_flag_env_or_config(tmp_path):
    env = {"XDG_CONFIG_HOME": str(tmp_path / "none"), "HOME": str(tmp_path)}
    assert readonly_reason(Settings.from_env(env), "ctx") is None
    assert readonly_reason(Settings.from_env(env, readonly=True), "ctx") == "--readonly"
    assert readonly_reason(Settings.from_env(env | {"HUBTUI_READONLY": "1"}), "ctx") == "HUBTUI_READONLY"
    configured = Settings.from_env(write_config(tmp_path, "readonly = true\n"))
    assert "readonly = true in" in readonly_reason(configured, "ctx")
    assert Settings.from_env(env, readonly=False).readonly is False  # an unset flag switches nothing off


def test_a_context_pattern_turns_read_only_on_by_itself(tmp_path):
    settings = Settings.from_env(write_config(tmp_path, 'readonly_contexts = ["*prod*", "gke_acme_*"]\n'))
    assert readonly_reason(settings, "kwok-demo") is None
    assert "matches the read-only pattern '*prod*'" in readonly_reason(settings, "eks-prod-eu")
    from hubtui.ops.failures import ReadOnlyRefused, Scaling

    assert re.fullmatch(r"read-only \(context gke_acme_x .*\): scaling is refused; nothing was changed",
                        str(ReadOnlyError(ReadOnlyRefused(readonly_reason(settings, "gke_acme_x"), Scaling()))))
    assert ReadOnlyError("x").exit_code == 2


def test_the_config_file_sets_the_default_namespace_below_the_environment(tmp_path):
    env = write_config(tmp_path, 'namespace = "hub-dev"\n')
    assert Settings.from_env(env).namespace == "hub-dev"
    assert Settings.from_env(env | {"NAMESPACE": "other"}).namespace == "other"
    assert Settings.from_env(env, namespace="flag").namespace == "flag"


@pytest.mark.parametrize("text, message", [
    ("readonly = 1\n", "readonly must be true or false"),
    ("read_only = true\n", "unknown key 'read_only'"),
    ('readonly_contexts = "*prod*"\n', "readonly_contexts must be a list of strings"),
    ('readonly_contexts = [1]\n', "readonly_contexts must be a list of non-empty strings"),
    ('namespace = ""\n', "namespace must not be empty"),
    ('production_contexts = ["", "x"]\n', "production_contexts must be a list of non-empty strings"),
    ("readonly = \n", "not valid TOML"),
    ("scale_timeout = 0\n", "scale_timeout must be from 1 to 86400 seconds"),
    ('scale_timeout = "5m"\n', "scale_timeout must be a whole number"),
])
def test_each_bad_key_is_one_line_naming_it(tmp_path, text, message):
    with pytest.raises(UsageError, match=message) as e:
        Settings.from_env(write_config(tmp_path, text))
    assert "\n" not in str(e.value) and "config.toml" in str(e.value)


def test_the_config_file_sets_how_old_an_interrupted_cleanup_may_be_to_resume(tmp_path):
    from datetime import datetime, timedelta, UTC

    from hubtui.ops.cleanup.journal import JournalState
    from hubtui.ops.cleanup.runner import stale_reason

    env = {"XDG_CONFIG_HOME": str(tmp_path / "none"), "HOME": str(tmp_path)}
    assert Settings.from_env(env).resume_max_age == 24 * 3600
    settings = Settings.from_env(write_config(tmp_path, "resume_max_age_hours = 2\n"))
    assert settings.resume_max_age == 2 * 3600
    started = (datetime.now(UTC) - timedelta(hours=3)).isoformat()
    pending = JournalState("h" * 64, "p.json", started, {})

    class NoPlan:  # the age decides before any namespace is looked at
        planned_uids: dict = {}

    from hubtui.present.refusals import stale_text

    stale = stale_reason(NoPlan(), pending, None, max_age=settings.resume_max_age)  # type: ignore[arg-type]
    assert "more than 2 h" in stale_text(stale)
    assert stale_reason(NoPlan(), pending, None) is None  # type: ignore[arg-type]  # within the default day
    for bad, why in (("0", "from 1 to 168 (it is 0)"), ("200", "from 1 to 168 (it is 200)"),
                     ("true", "a whole number"), ('"24"', "a whole number")):
        with pytest.raises(UsageError, match=rf"resume_max_age_hours must be {re.escape(why)}"):
            Settings.from_env(write_config(tmp_path, f"resume_max_age_hours = {bad}\n"))


def test_the_config_file_sets_the_wait_for_readiness_below_the_flag(tmp_path):
    env = {"XDG_CONFIG_HOME": str(tmp_path / "none"), "HOME": str(tmp_path)}
    assert Settings.from_env(env).scale_timeout == 300
    configured = write_config(tmp_path, "scale_timeout = 45\n")
    assert Settings.from_env(configured).scale_timeout == 45
    assert Settings.from_env(configured, scale_timeout=7).scale_timeout == 7  # scale --timeout
