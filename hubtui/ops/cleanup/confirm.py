"""The typed phrases a destroy must be confirmed with, and the exact match they need."""

from __future__ import annotations

from dataclasses import dataclass

PRODUCTION_PHRASE = "DELETE PRODUCTION"


@dataclass(frozen=True)
class Confirmation:
    question: str
    phrase: str  # what must be typed, exactly


def confirmations(environment: str) -> list[Confirmation]:
    """In the order they are asked: production first needs DELETE PRODUCTION, then every environment `yes`."""
    steps = []
    if environment == "production":
        steps.append(Confirmation(f"Type {PRODUCTION_PHRASE} to destroy the production environment",
                                  PRODUCTION_PHRASE))
    steps.append(Confirmation(f"Are you sure you want to destroy '{environment}'? (yes/NO)", "yes"))
    return steps


def accepted(confirmation: Confirmation, typed: str) -> bool:
    """Exact: no other case, no spaces around it, no abbreviation."""
    return typed == confirmation.phrase


def protection_confirmation(resource: str) -> Confirmation:
    """Asked after the others for each planned database with deletion protection: it is never switched off
    silently."""
    return Confirmation(f"{resource} has deletion protection. Type yes to switch it off and delete it", "yes")
