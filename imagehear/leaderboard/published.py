"""Numbers other papers reported on IMAGE HEAR, shown beside our recomputed rows.

Each paper computed its scores its own way (its evaluation code was never released, or
differs from protocol v1), so these rows are *not comparable* with recomputed ones: the
same Im2Wav model scores CS 9.53 in its own paper and 9.843 in V2A-Mapper's table. The
leaderboard marks them "reported in <paper>, not re-computed".

>>> [(r["model"], r["clip_score"]) for r in PUBLISHED if r["reported_in"].startswith("V2A")]
[('Im2Wav', 9.843), ('CLIPSonic-IQ', 11.392), ('V2A-Mapper', 11.95)]
"""
from __future__ import annotations

IM2WAV_PAPER = "Im2Wav paper (Sheffer & Adi, ICASSP 2023)"
V2A_PAPER = "V2A-Mapper (Wang et al., AAAI 2024)"

_IM2WAV_LINKS = {"paper": "https://arxiv.org/abs/2211.03089", "code": "https://github.com/RoySheffer/im2wav"}

# One dict per reported number set; metric keys follow results.json (absent = not reported).
PUBLISHED: tuple[dict, ...] = (
    {"model": "Im2Wav", "reported_in": IM2WAV_PAPER, "date": "2023", "clip_score": 9.53,
     "accuracy": 49.14, **_IM2WAV_LINKS},
    # V2A-Mapper's IMAGE HEAR table (authors' repository heng-hw/V2A-Mapper): CS only.
    {"model": "Im2Wav", "reported_in": V2A_PAPER, "date": "2024", "clip_score": 9.843, **_IM2WAV_LINKS},
    {"model": "CLIPSonic-IQ", "reported_in": V2A_PAPER, "date": "2024", "clip_score": 11.392,
     "paper": "https://arxiv.org/abs/2306.09635", "code": ""},
    {"model": "V2A-Mapper", "reported_in": V2A_PAPER, "date": "2024", "clip_score": 11.95,
     "paper": "https://arxiv.org/abs/2308.09300", "code": "https://github.com/heng-hw/V2A-Mapper"},
)
