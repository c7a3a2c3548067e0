"""How each kind of fact is worded, once, for both faces (no Textual here).

The CLI prints these lines as text; the TUI draws the same lines into its widgets and maps each line's tone
(heading, strong, muted, warning, error, success) to a theme style. The two faces cannot disagree about a plan
or a run event because neither words it itself.
"""

from ..errors import speak_with
from .failures import worded

speak_with(worded)
