"""Tones: how a line is meant to stand out. The TUI maps them to theme styles (ui/styles.py); the text face
ignores them. Every presenter (plan, run events, deployment status) words its lines with these."""

PLAIN, HEADING, STRONG, MUTED, WARNING, ERROR, SUCCESS = "", "heading", "strong", "muted", "warning", "error", "success"
