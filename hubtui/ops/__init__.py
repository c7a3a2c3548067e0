"""The operations (scale, cleanup, connect): plain Python, no textual. They report progress as events."""
