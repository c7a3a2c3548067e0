"""The optional config file, $XDG_CONFIG_HOME/hubtui/config.toml (default ~/.config/hubtui/config.toml).

    namespace = "llm-analytics-hub"      # the default namespace ($NAMESPACE and -n still win)
    readonly = false                     # read-only everywhere
    readonly_contexts = ["*prod*"]       # read-only comes on by itself for these contexts (shell patterns)
    production_contexts = ["*prod*"]     # marked in the title bar (default: *prod*, *prd*)
    fleet = ["dev-*", "prod-*"]          # the contexts `hubtui fleet` shows (default: every context)
    record_sessions = "production"       # connect sessions recorded: production (contexts), always, never
    record_input = false                 # recordings keep what was typed too (passwords are typed into them)
    theme = "nord"                       # the TUI's Textual theme (Ctrl-P lists them; checked when the TUI starts)
    resume_max_age_hours = 24            # an interrupted cleanup older than this is planned afresh (1 to 168)
    scale_timeout = 300                  # seconds a wait for readiness takes before it gives up (TUI and CLI;
                                         # scale --timeout still wins), 1 to 86400

A bad file is one line naming the key; nothing runs with a config that was not understood.
"""

from __future__ import annotations

import os
from pathlib import Path
from collections.abc import Mapping

from .frozen import frozen
from .errors import UsageError


class ConfigError(UsageError):
    """The config file cannot be read or understood: one line naming the file (and the key)."""

KEYS = {"namespace": str, "readonly": bool, "readonly_contexts": list, "production_contexts": list, "theme": str,
        "resume_max_age_hours": int, "fleet": list,
        "record_sessions": str, "record_input": bool, "scale_timeout": int}
RECORD_SESSIONS = ("production", "always", "never")
RESUME_MAX_AGE_HOURS = (1, 168)  # the bounds a config may set: an hour to a week (the default is a day)
PRODUCTION_CONTEXTS = ("*prod*", "*prd*")  # the title bar shows these contexts in red unless the file says


@frozen
class Config:
    path: Path | None = None
    namespace: str | None = None
    readonly: bool = False
    readonly_contexts: tuple[str, ...] = ()
    production_contexts: tuple[str, ...] = PRODUCTION_CONTEXTS
    theme: str | None = None
    resume_max_age_hours: int | None = None
    fleet: tuple[str, ...] = ()
    record_sessions: str = "production"
    record_input: bool = False
    scale_timeout: int | None = None


def config_path(env: Mapping[str, str]) -> Path:
    base = env.get("XDG_CONFIG_HOME") or os.path.join(env.get("HOME", os.path.expanduser("~")), ".config")
    return Path(base) / "hubtui" / "config.toml"


def load(env: Mapping[str, str]) -> Config:
    path = config_path(env)
    try:
        text = path.read_text()
    except FileNotFoundError:
        return Config()
    except OSError as e:
        raise ConfigError(f"cannot read the config file {path} ({e.strerror})") from None
    import tomllib  # only when there is a file to read

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"config file {path}: not valid TOML ({e})") from None
    for key, value in data.items():
        if key not in KEYS:
            raise ConfigError(f"config file {path}: unknown key {key!r} (known: {', '.join(KEYS)})")
        if not isinstance(value, KEYS[key]) or (KEYS[key] is int and isinstance(value, bool)):
            want = {"str": "a string", "bool": "true or false", "list": "a list of strings",
                    "int": "a whole number"}[KEYS[key].__name__]
            raise ConfigError(f"config file {path}: {key} must be {want}")
    for key in ("readonly_contexts", "production_contexts", "fleet"):
        if not all(isinstance(p, str) and p for p in data.get(key, [])):
            raise ConfigError(f"config file {path}: {key} must be a list of non-empty strings")
    patterns = data.get("readonly_contexts", [])
    for key in ("namespace", "theme"):
        if key in data and not data[key].strip():
            raise ConfigError(f"config file {path}: {key} must not be empty")
    if data.get("record_sessions", "production") not in RECORD_SESSIONS:
        raise ConfigError(f"config file {path}: record_sessions must be one of {', '.join(RECORD_SESSIONS)}")
    hours = data.get("resume_max_age_hours")
    lo, hi = RESUME_MAX_AGE_HOURS
    if hours is not None and not lo <= hours <= hi:
        raise ConfigError(f"config file {path}: resume_max_age_hours must be from {lo} to {hi} (it is {hours})")
    timeout = data.get("scale_timeout")
    if timeout is not None and not 1 <= timeout <= 86400:
        raise ConfigError(f"config file {path}: scale_timeout must be from 1 to 86400 seconds (it is {timeout})")
    return Config(path, data.get("namespace"), data.get("readonly", False), tuple(patterns),
                  tuple(data.get("production_contexts", PRODUCTION_CONTEXTS)), data.get("theme"), hours,
                  tuple(data.get("fleet", ())), data.get("record_sessions", "production"),
                  data.get("record_input", False), timeout)


def context_pattern(context: str | None, patterns) -> str | None:
    """The first shell pattern a context name matches, case-insensitively (`*prod*` matches `Prod-EU`)."""
    import fnmatch

    if not context:
        return None
    return next((p for p in patterns if fnmatch.fnmatchcase(context.lower(), p.lower())), None)
