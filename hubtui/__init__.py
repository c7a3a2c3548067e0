"""hubtui: operate the LLM Analytics Hub on Kubernetes from the keyboard."""

__version__ = "0.1.0"
