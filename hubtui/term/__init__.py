"""The pty bridge: hands the real terminal to an interactive program and takes it back."""
