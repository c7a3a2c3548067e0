"""The Textual face of hubtui. Only this package imports textual."""
