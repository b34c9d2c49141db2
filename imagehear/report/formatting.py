"""How numbers and user strings appear in the Markdown tables of ``evaluate`` and ``compare``.

One place, so the two tables print a value the same way and escape a model name the same way.

>>> escape("a|b <i>"), num(6.4123, 3)
('a\\\\|b &lt;i&gt;', '6.412')
"""
from __future__ import annotations

import math


def escape(text) -> str:
    """``text`` as literal Markdown: model names are user strings, and must not become table
    cells, links or HTML."""
    out = str(text).replace("\\", "\\\\")
    for ch in "`*_[]|#":
        out = out.replace(ch, "\\" + ch)
    return out.replace("<", "&lt;").replace(">", "&gt;").replace("\n", " ")


def num(value, decimals: int) -> str:
    """Fixed decimals; values too small for them keep 3 significant digits (never a bare 0.000).

    >>> num(6.4123, 3), num(6.87e-05, 3), num(0.0, 3), num(float("nan"), 2)
    ('6.412', '6.87e-05', '0.000', '—')
    """
    if not (isinstance(value, (int, float)) and math.isfinite(value)):
        return "—"
    if value != 0 and abs(value) < 0.5 * 10 ** -decimals:
        return f"{value:.3g}"
    return f"{value:.{decimals}f}"
