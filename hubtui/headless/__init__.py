"""The headless face: runners that drive the engine and print its events as text or JSON."""
