"""Stand-in and fixtures for gcp (being written)."""

__all__: list[str] = []
