"""One Settings value for both faces: cluster access, defaults and the environment variables hubtui reads."""

from __future__ import annotations

import os
from dataclasses import field, replace
from pathlib import Path
from collections.abc import Mapping

from .frozen import frozen

DEFAULT_NAMESPACE = "llm-analytics-hub"
DEFAULT_SCALE_TIMEOUT = 300.0
DEFAULT_DB_NAME = "llm_analytics"
DEFAULT_DB_USER = "postgres"


def _state_dir(env: Mapping[str, str]) -> Path:
    base = env.get("XDG_STATE_HOME") or os.path.join(env.get("HOME", os.path.expanduser("~")), ".local", "state")
    return Path(base) / "hubtui"


@frozen
class Settings:
    """What every operation needs to know. Build it with from_env(); it never changes afterwards.

    kubeconfig and context behave as kubectl's: None means $KUBECONFIG (a path list) or
    ~/.kube/config, and that file's current context.
    """

    kubeconfig: str | None = None
    context: str | None = None
    namespace: str = DEFAULT_NAMESPACE
    namespace_from: str = "the default"  # -n, $NAMESPACE, the config file, the default
    all_namespaces: bool = False  # the TUI shows the deployments of every namespace (-A)
    scale_timeout: float = DEFAULT_SCALE_TIMEOUT
    db_name: str = DEFAULT_DB_NAME
    db_user: str = DEFAULT_DB_USER
    aws_region: str | None = None
    gcp_project: str | None = None
    gcp_region: str | None = None
    # Where the GCP / Azure clients send their requests: None means the real cloud. Tests and demos point
    # them at local stand-ins (HUBTUI_GCP_ENDPOINT, HUBTUI_AZURE_ENDPOINT); AWS needs no setting of its own
    # because boto3 honours AWS_ENDPOINT_URL.
    gcp_endpoint: str | None = None
    azure_endpoint: str | None = None
    azure_subscription: str | None = None
    state_dir: Path = field(default_factory=lambda: _state_dir(os.environ))
    readonly: bool = False  # see hubtui/readonly.py
    readonly_why: str = ""  # which switch turned it on (--readonly, HUBTUI_READONLY, the config file)
    readonly_contexts: tuple[str, ...] = ()  # context name patterns that turn it on by themselves
    production_contexts: tuple[str, ...] = ("*prod*", "*prd*")  # shown in red in the title bar
    record_sessions: str = "production"  # connect sessions recorded: production (contexts), always, never
    record_input: bool = False  # recordings keep what was typed too
    fleet: tuple[str, ...] = ()  # the contexts `hubtui fleet` shows (config file `fleet`); none: every context
    theme: str | None = None  # the TUI's Textual theme (config file `theme`); None: Textual's default
    theme_source: str = ""  # where it was set, for a one-line error naming the key
    resume_max_age: float = 24 * 3600.0  # seconds: an interrupted cleanup older than this is planned afresh

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, config_file: bool = True, **overrides) -> Settings:
        """Defaults, then the environment (NAMESPACE, AWS_REGION, GCP_PROJECT, GCP_REGION,
        HUBTUI_GCP_ENDPOINT, HUBTUI_AZURE_ENDPOINT, AZURE_SUBSCRIPTION_ID, XDG_STATE_HOME), then explicit overrides (flags); an override of None keeps the lower layer."""
        from .config import Config, load

        env = os.environ if env is None else env
        config = load(env) if config_file else Config()  # config_file=False: the defaults (doctor, on a bad file)
        readonly_env = env.get("HUBTUI_READONLY", "").strip().lower() in ("1", "true", "yes", "on")
        base = cls(
            namespace=env.get("NAMESPACE") or config.namespace or DEFAULT_NAMESPACE,
            namespace_from=("$NAMESPACE" if env.get("NAMESPACE") else "the config file" if config.namespace
                            else "the default"),
            readonly=readonly_env or config.readonly,
            readonly_why="HUBTUI_READONLY" if readonly_env else (f"readonly = true in {config.path}"
                                                                 if config.readonly else ""),
            readonly_contexts=config.readonly_contexts,
            production_contexts=config.production_contexts,
            fleet=config.fleet,
            record_sessions=config.record_sessions,
            record_input=config.record_input,
            theme=config.theme,
            theme_source=f"config file {config.path}" if config.theme else "",
            resume_max_age=(config.resume_max_age_hours or 24) * 3600.0,
            aws_region=env.get("AWS_REGION") or None,
            gcp_project=env.get("GCP_PROJECT") or None,
            gcp_region=env.get("GCP_REGION") or None,
            gcp_endpoint=env.get("HUBTUI_GCP_ENDPOINT") or None,
            azure_endpoint=env.get("HUBTUI_AZURE_ENDPOINT") or None,
            azure_subscription=env.get("AZURE_SUBSCRIPTION_ID") or None,
            state_dir=_state_dir(env),
            scale_timeout=float(config.scale_timeout or DEFAULT_SCALE_TIMEOUT),
        )
        if overrides.get("namespace") is not None:
            overrides["namespace_from"] = "-n"
        if overrides.get("readonly"):  # --readonly: on, whatever the lower layers say; never switched off here
            overrides["readonly_why"] = "--readonly"
        elif "readonly" in overrides:
            overrides.pop("readonly")
        return replace(base, **{k: v for k, v in overrides.items() if v is not None})
