"""How numbers, user strings and tables appear in what ``evaluate`` and ``compare`` print.

One place, so the two print a value the same way, escape a model name the same way in
Markdown, and align the same way on a terminal.

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


def markdown_table(header, rows, right) -> list[str]:
    """Lines of a Markdown table; every cell escaped (``right``: which columns align right).

    >>> markdown_table(("model", "n"), [("a_b", "3")], (False, True))
    ['| model | n |', '|---|---:|', '| a\\\\_b | 3 |']
    """
    return ["| " + " | ".join(header) + " |", "|" + "|".join("---:" if r else "---" for r in right) + "|",
            *("| " + " | ".join(escape(cell) for cell in row) + " |" for row in rows)]


def aligned_table(header, rows, right) -> list[str]:
    """Lines of a plain table for a terminal: no markup, columns padded (``right``: which columns
    align right, so decimal points line up).

    >>> print("\\n".join(aligned_table(("model", "n"), [("a_b", "3"), ("c", "12")], (False, True))))
    model   n
    a_b     3
    c      12
    """
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    return ["  ".join(c.rjust(w) if r else c.ljust(w) for c, w, r in zip(cells, widths, right)).rstrip()
            for cells in (header, *rows)]
