"""Stand-in and fixtures for aws (being written)."""

__all__: list[str] = []
