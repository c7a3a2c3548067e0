"""What a name or a label says of an environment: the hub's naming convention (`llm-analytics-hub-<env>`) and
the words that mean production. The cleanup's evidence and the fleet's rows read them alike."""

from __future__ import annotations

import re

ENVIRONMENT_LABELS = ("environment", "hubtui.io/environment")


def production_like(name: str) -> bool:
    """`production`, `prod` or `prd` as the whole name or as one of its parts (`prod-eu`, `eu-production`,
    `gke_acme_prod_hub`): such an environment needs DELETE PRODUCTION."""
    return any(re.fullmatch(r"(production|prod|prd)\d*", part)
               for part in re.split(r"[^a-z0-9]+", (name or "").lower()))


_HUB_TOKEN = re.compile(r"(?<![a-z0-9])llm-analytics-hub-([a-z0-9]+(?:-[a-z0-9]+)*)")


def named_environments(text: str) -> list[str]:
    """The environments a name names by the hub's convention (`.../llm-analytics-hub-staging` -> staging)."""
    return _HUB_TOKEN.findall((text or "").lower())


def names_environment(text: str, environment: str) -> bool:
    """`llm-analytics-hub-<env>` as a whole token: `.../llm-analytics-hub-dev` and `kwok-llm-analytics-hub-dev`
    name dev; `llm-analytics-hub-dev-eu` (another environment) and `xllm-analytics-hub-dev` do not."""
    token = re.escape(f"llm-analytics-hub-{environment}")
    return re.search(rf"(?<![a-z0-9]){token}(?![a-z0-9-])", (text or "").lower()) is not None
