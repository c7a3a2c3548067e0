"""All Kubernetes API access. No textual here: the CLI and the TUI both stand on this."""
