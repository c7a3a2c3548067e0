"""The architecture holds: import-linter's contracts (layers, no textual in the engine, no kubernetes client in
the UI), the engine imports without Textual, and the UI names no literal colour (theme variables only)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_import_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    proc = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout


def test_the_engine_and_both_wordings_import_without_textual():
    code = ("import sys\n"
            "import hubtui.headless.cleanup, hubtui.headless.connect, hubtui.headless.scale, hubtui.present.plan, "
            "hubtui.present.events, hubtui.ops.cleanup.runner, hubtui.ops.connect, hubtui.cloud.base, "
            "hubtui.kube.namespaces, hubtui.events\n"
            "assert 'textual' not in sys.modules, 'textual was imported'\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


COLOUR_NAMES = ("red", "green", "yellow", "blue", "magenta", "cyan", "white", "black", "orange", "grey", "gray",
                "purple", "pink", "violet", "bright_red", "dark_red")
LITERAL = re.compile(r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b|\brgb\(|\b(?:" + "|".join(COLOUR_NAMES) + r")\b")


def test_the_ui_names_no_literal_colour():
    """CSS uses $error, $warning, $success, $accent, $text-muted...; Rich text uses hubtui.ui.styles' semantic
    styles (hub.error, ...) resolved from the theme. No allow-list."""
    found = []
    for path in sorted((ROOT / "hubtui" / "ui").rglob("*")):
        if path.suffix not in (".py", ".tcss"):
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            # comments may talk about colours; code may not (a "# " comment, a /* */ comment)
            code = re.sub(r"\s#\s.*$", "", line) if path.suffix == ".py" else re.sub(r"/\*.*?\*/", "", line)
            if LITERAL.search(code):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "literal colours in the UI:\n" + "\n".join(found)


def test_every_dialog_uses_the_modal_base():
    import importlib
    import pkgutil

    from textual.screen import ModalScreen

    import hubtui.ui
    from hubtui.ui.screens.modals import Modal

    for info in pkgutil.walk_packages(hubtui.ui.__path__, "hubtui.ui."):
        importlib.import_module(info.name)

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    ours = [c for c in subclasses(ModalScreen) if c.__module__.startswith("hubtui.") and c is not Modal]
    assert ours and all(issubclass(c, Modal) for c in ours), [c for c in ours if not issubclass(c, Modal)]


def test_every_id_rule_of_the_stylesheet_is_scoped_to_its_screen():
    """A bare `#log` once reached the detail screen's log pane as well as the cleanup run's, and kept its newest
    lines below the fold. Each selector of hubtui.tcss that names an id starts with the screen (or dialog)
    class that has it."""
    css = re.sub(r"/\*.*?\*/", "", (ROOT / "hubtui" / "ui" / "hubtui.tcss").read_text(), flags=re.S)
    bare = []
    for rule in re.findall(r"([^{}]+)\{", css):
        for selector in rule.split(","):
            selector = selector.strip()
            if "#" in selector and not re.match(r"[A-Z]\w*(\.[\w-]+)*\s", selector):
                bare.append(selector)
    assert not bare, f"id rules not scoped to a screen: {bare}"
