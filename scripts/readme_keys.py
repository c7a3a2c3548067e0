"""Write the action table into the README's keys section (`make readme-keys`); a test keeps them equal."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hubtui.ui.actions import markdown_table  # noqa: E402

readme = ROOT / "README.md"
text = readme.read_text()
new, count = re.subn(r"(<!-- keys:[^>]*-->\n).*?(<!-- /keys -->)", lambda m: m.group(1) + markdown_table() + "\n"
                     + m.group(2), text, flags=re.S)
if count != 1:
    raise SystemExit("README.md has no keys section (<!-- keys: ... --> ... <!-- /keys -->)")
readme.write_text(new)
