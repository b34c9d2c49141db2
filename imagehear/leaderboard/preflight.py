"""Pre-flight: would the leaderboard rank this results file? One answer for every path to it.

The Space's upload, ``image-hear leaderboard --check``, ``image-hear export-hub`` and the
board's join of Hub entries all ask the same question with the same code: the validator
(:func:`imagehear.leaderboard.validate.parse_results`) first, then the ranking rules
(:func:`imagehear.leaderboard.rules.unranked_reasons`).

>>> verdict = Verdict(None, ("missing key 'model'",), ())
>>> verdict.ranked, verdict.text("r.json")
(False, "r.json would not be ranked: it is refused (missing key 'model')")
>>> print("\\n".join(Verdict({}, (), ("precision bf16, not fp32",)).lines("r.json")))
r.json would not be ranked (1 reason):
- precision bf16, not fp32
"""
from __future__ import annotations

from dataclasses import dataclass

from imagehear.leaderboard.limits import read_capped
from imagehear.leaderboard.rules import unranked_reasons
from imagehear.leaderboard.validate import parse_results


@dataclass(frozen=True)
class Verdict:
    """``data`` (None when refused), ``refused`` (the validator's reasons), ``unranked`` (the rules')."""

    data: dict | None
    refused: tuple[str, ...]
    unranked: tuple[str, ...]

    @property
    def ranked(self) -> bool:
        return not self.refused and not self.unranked

    @property
    def reasons(self) -> tuple[str, ...]:
        """Every reason, the validator's first (a refused file is never checked against the rules)."""
        return self.refused + self.unranked

    def text(self, name: str) -> str:
        """One line: "would be ranked", or why not (the refusal, else the ranking reasons)."""
        if self.ranked:
            return f"{name} would be ranked"
        if self.refused:
            return f"{name} would not be ranked: it is refused ({'; '.join(self.refused)})"
        return f"{name} would not be ranked: {'; '.join(self.unranked)}"

    def lines(self, name: str) -> list[str]:
        """The verdict, then every reason on a line of its own."""
        if self.ranked:
            return [f"{name} would be ranked"]
        what = "is refused by the leaderboard's validator" if self.refused else "would not be ranked"
        n = len(self.reasons)
        return [f"{name} {what} ({n} reason{'s' if n > 1 else ''}):"] + [f"- {r}" for r in self.reasons]


def check_data(raw: bytes, accepted=None) -> Verdict:
    """The verdict on the bytes of a results file (``accepted``: weight hashes, default the repository's list)."""
    data, refused = parse_results(raw)
    if refused:
        return Verdict(None, tuple(refused), ())
    if accepted is None:
        from imagehear.models.weights import accepted_sha256

        accepted = accepted_sha256()
    return Verdict(data, (), tuple(unranked_reasons(data, accepted)))


def check_file(path, accepted=None) -> Verdict:
    """:func:`check_data` on a file (read up to the validator's size cap)."""
    return check_data(read_capped(path), accepted)
