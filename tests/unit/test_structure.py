"""The architecture holds: import-linter's contracts (layers, no textual in the engine, no kubernetes client in
the UI), the engine imports without Textual, and the UI names no literal colour (theme variables only)."""

from __future__ import annotations

import functools
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


def _private_names(paths) -> tuple[set[str], set[str]]:
    """The private names (`_x`, not dunders) that files define (def, class attribute, self._x = ...) and those
    they use as attributes of anything else (`table._x`, read or written)."""
    import ast

    defined, read = set(), set()
    for path in paths:
        tree = ast.parse(Path(path).read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                defined.add(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                defined.add(node.id)
            elif isinstance(node, ast.Attribute):
                if isinstance(node.value, ast.Name) and node.value.id in ("os", "sys"):
                    continue  # the standard library's own (os._exit)
                own = isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")
                (defined if isinstance(node.ctx, ast.Store) and own else read).add(node.attr)
    private = {n for n in defined | read if n.startswith("_") and not n.startswith("__")}
    return defined & private, read & private


def test_hubtui_uses_no_private_attribute_of_textual():
    """Only Textual's public API: a private attribute of a Textual class (DataTable's `_data`, its render caches,
    `_require_update_dimensions`...) holds only at the exact pin and breaks silently on the next release. A
    private name hubtui reads must be one hubtui defines itself, and none may be one Textual defines (hubtui's
    own `_x` in a subclass of a Textual class would shadow Textual's)."""
    import textual

    textual_defined, _ = _private_names(Path(textual.__file__).parent.rglob("*.py"))
    ours = sorted((ROOT / "hubtui").rglob("*.py"))
    hub_defined, hub_read = _private_names(ours)
    borrowed = sorted(hub_read - hub_defined)  # read here, defined nowhere here: someone else's private
    assert not borrowed, f"hubtui reads private attributes it does not define: {borrowed}"


@functools.cache
def _class_privates(cls) -> set[str]:
    """The private names a class's own body defines: its methods and class attributes, and `self._x = ...`."""
    import ast
    import inspect
    import textwrap

    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    except (OSError, TypeError):
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store) and \
                isinstance(node.value, ast.Name) and node.value.id == "self":
            names.add(node.attr)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return {n for n in names if n.startswith("_") and not n.startswith("__") and n != "_"}


def test_no_ui_class_shadows_a_private_attribute_of_its_textual_base():
    """A `self._x` of a hubtui widget or screen that Textual's base class also has would change Textual's
    behaviour behind its back (as a subclass of DataTable once did on purpose)."""
    import importlib
    import inspect
    import pkgutil

    import hubtui.ui

    found = []
    for info in pkgutil.walk_packages(hubtui.ui.__path__, "hubtui.ui."):
        module = importlib.import_module(info.name)
        for cls in vars(module).values():
            if not inspect.isclass(cls) or cls.__module__ != module.__name__:
                continue
            theirs = set()
            for base in cls.__mro__:
                if base.__module__.split(".")[0] == "textual":
                    theirs |= _class_privates(base)
            found += [f"{cls.__qualname__}.{name}" for name in sorted(_class_privates(cls) & theirs)]
    assert not found, f"hubtui classes shadow private names of their Textual bases: {found}"
