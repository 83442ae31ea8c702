"""Symbol names: ``p_{\\text{data}}``, ``p_data``, ``\\theta_0`` and ``theta_0`` name one symbol.

A name is normalized to ``base(_part)*`` of ASCII letters and digits; anything
else (``__import__``, ``os.system``) is refused, so a name can never be more
than a label for a SymPy symbol.
"""

from __future__ import annotations

import re

#: What a normalized symbol name may look like.
NAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9]*(_[A-Za-z0-9]+)*$")

_WRAPPERS = re.compile(r"\\(text|mathrm|operatorname|textrm|mathit|textit|mathsf|textsf|mathbf|boldsymbol|bm|"
                       r"mathcal|mathbb|mathscr|mathfrak)\s*")
_ACCENT = re.compile(r"\\(hat|bar|tilde|widehat|widetilde|overline|vec|dot|ddot|check|breve)\s*"
                     r"(\{\s*\\?([A-Za-z]+)\s*\}|\\([A-Za-z]+)|([A-Za-z]))")
_ACCENT_NAME = {"widehat": "hat", "widetilde": "tilde", "overline": "bar"}
_STAR = re.compile(r"\^\s*(\{\s*)?(\\star|\\ast|\*)(\s*\})?")


class BadName(ValueError):
    """A symbol name that is not a plain mathematical name."""


def normalize(text: str) -> str:
    r"""``p_{\text{data}}`` ↦ ``p_data``; ``\theta_0`` ↦ ``theta_0``; ``D^*`` ↦ ``D_star``.

    Args:
        text: a name as written in LaTeX or plainly.

    Returns:
        The normalized name.

    Raises:
        BadName: the result is not letters, digits and single underscores.

    >>> normalize(r"p_{\text{data}}"), normalize(r"\theta_0"), normalize("D^*")
    ('p_data', 'theta_0', 'D_star')
    """
    if "__" in text or len(text) > 200:
        raise BadName(f"{text[:80]!r} is not a symbol name (letters, digits and single '_' parts)")
    s = _STAR.sub("_star", text.strip())
    s = _ACCENT.sub(lambda m: (m.group(3) or m.group(4) or m.group(5)) + "_" + _ACCENT_NAME.get(m.group(1), m.group(1)),
                    s)
    s = _WRAPPERS.sub("", s)
    s = s.replace("\\", "").replace("{", "").replace("}", "").replace(" ", "").replace(",", "")
    s = re.sub(r"_+", "_", s)
    if not NAME_PATTERN.match(s) or len(s) > 64:
        raise BadName(f"{text!r} is not a symbol name (letters, digits and '_' parts, like theta_0 or p_data)")
    return s
