"""Evaluation profiles: protocol v1 (the default) and compatibility profiles of other harnesses
(av-benchmark, SSV2A's CS).

A profile fixes every choice that makes one harness's numbers differ from another's on the
same weights and audio: waveform preparation (which changes embeddings, so it keys the
cache), PaSST's input length, KL's epsilon, the clip order the inception score shuffles.
It is recorded in results.json ``config.profile``. docs/av_benchmark.md explains each
difference.

>>> profile("protocol-v1").kl_eps, profile("av-benchmark", audio_length=8).audio_length
(1e-06, 8.0)
>>> profile("protocol-v1").waveform(), profile("av-benchmark", 8).waveform()
((), (('audio_length_s', 8.0), ('preparation', 'av-benchmark')))
>>> profile("protocol-v1").backbone_options("passt"), profile("av-benchmark").backbone_options("passt")
({'pad_to_10s': False}, {'pad_to_10s': True, 'crop_to_10s': True})
>>> profile("ssv2a").backbone_options("wav2clip"), profile("ssv2a").wav2clip_batch, profile("ssv2a").clip_score_scale
({'normalisation': 'batch'}, 64, 1.0)
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace

from imagehear.errors import UsageError


@dataclass(frozen=True)
class Profile:
    name: str
    audio_length: float | None = None   # crop every clip to this many seconds (never pad)
    # how a clip becomes a backbone's input: "protocol-v1" (mono, torchaudio.functional.resample)
    # or "av-benchmark" (mono, mean subtracted at the file's rate, torchaudio.transforms.Resample)
    preparation: str = "protocol-v1"
    passt_exactly_10s: bool = False     # zero-pad or crop PaSST input to exactly 10 s
    kl_eps: float | None = 1e-6         # log(p_gen + eps); None: exact log-softmax
    kl_direction: str = "ref||gen"      # the headline KL; the other and the sum are recorded too
    is_order: str = "as given"          # clip order before the inception score's shuffle
    is_shuffle_seed: int | None = 2020  # numpy RandomState seed of that shuffle
    # Wav2CLIP normalises its log-spectrogram over the whole batch: None (protocol v1: each clip by
    # its own statistics) or the batch size a harness used, clips batched in sorted name order (SSV2A)
    wav2clip_batch: int | None = None
    clip_score_scale: float = 100.0     # CS = scale x mean cosine (SSV2A reports the bare cosine)
    metrics: tuple[str, ...] | None = None  # the metrics the profile reproduces (None: every metric)

    def waveform(self) -> tuple:
        """The waveform preparation as sorted (key, value) pairs, empty for protocol v1's own
        (it becomes part of each clip's content hash, hence of the embedding cache key)."""
        chosen = {"preparation": self.preparation, "audio_length_s": self.audio_length}
        if chosen == {"preparation": "protocol-v1", "audio_length_s": None}:
            return ()
        return tuple(sorted(chosen.items()))

    def backbone_options(self, name: str, pad_to_10s: bool = False) -> dict:
        """Keyword options for backbone ``name``'s loader under this profile (``pad_to_10s``: the
        user's PaSST padding choice). The pipeline passes them on as they are, so a backbone's
        input conventions live here, beside the profile that needs them.

        They are part of each backbone's cache key, so a profile keeps these dicts stable.
        """
        if name == "wav2clip" and self.wav2clip_batch:
            return {"normalisation": "batch"}
        if name != "passt":
            return {}
        if self.passt_exactly_10s:  # av-benchmark zero-pads PaSST's input to 10 s and crops it to 10 s
            return {"pad_to_10s": True, "crop_to_10s": True}
        return {"pad_to_10s": pad_to_10s}

    def record(self) -> dict:
        return asdict(self)


PROFILES = {
    "protocol-v1": Profile("protocol-v1"),
    # github.com/hkchengrex/av-benchmark @050a5cd (MMAudio, Kling-Foley): see docs/av_benchmark.md
    "av-benchmark": Profile("av-benchmark", preparation="av-benchmark", passt_exactly_10s=True, kl_eps=None,
                            is_order="sorted by file stem"),
    # github.com/wguo86/SSV2A ssv2a/evals/cs.py (its CS only): see docs/published.md
    "ssv2a": Profile("ssv2a", preparation="ssv2a", wav2clip_batch=64, clip_score_scale=1.0, metrics=("clip_score",)),
}


def profile(name: str = "protocol-v1", audio_length: float | None = None) -> Profile:
    """The named profile, with ``audio_length`` (seconds) if given."""
    if name not in PROFILES:
        raise UsageError(f"unknown profile {name!r} for --compat; choose from {', '.join(PROFILES)}")
    if audio_length is None:
        return PROFILES[name]
    if PROFILES[name].preparation == "ssv2a":
        raise UsageError("--audio-length does not apply to --compat ssv2a: SSV2A crops or pads every clip to 10.24 s")
    if not (isinstance(audio_length, (int, float)) and math.isfinite(audio_length) and audio_length > 0):
        raise UsageError(f"--audio-length must be a positive number of seconds, got {audio_length!r}")
    return replace(PROFILES[name], audio_length=float(audio_length))
