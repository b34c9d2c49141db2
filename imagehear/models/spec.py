"""The types behind the model registry: one :class:`ModelSpec` per checkpoint, its
:class:`Output` s, and the :class:`Backbone` protocol every loaded model follows.

A spec is data only (no torch import): where the weights come from and how they are
checked, what the model computes and at which rate, which code computes it, and where
its loader and its random-weights factory live. Everything else reads the spec: weights
resolution (:mod:`imagehear.models.weights`), the embedding cache key, the environment record,
the accepted-weights check, the metric registry's ``needs`` and the tests' random weights.

>>> from imagehear.models import MODELS
>>> spec = MODELS["vggish"]
>>> spec.output("embedding").shape, spec.output("embedding").per_frame
(('frames', 128), True)
>>> spec.kind, spec.sample_rate, spec.code_version
('file', 16000, 1)
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

INPUTS = ("audio", "image", "text")  # what an output is computed from
FRAMES = "frames"  # a leading shape entry: one row per frame of the clip, not one per clip


@dataclass(frozen=True)
class Output:
    """One output of a model: its name, its shape per input (``FRAMES`` for a per-frame axis)."""

    name: str
    shape: tuple[int | str, ...]
    input: str = "audio"
    description: str = ""

    def __post_init__(self):
        if self.input not in INPUTS:
            raise ValueError(f"output {self.name!r}: input must be one of {INPUTS}, got {self.input!r}")

    @property
    def per_frame(self) -> bool:
        """True when a clip gives several rows (VGGish: one 128-d row per 0.96 s frame)."""
        return bool(self.shape) and self.shape[0] == FRAMES

    @property
    def dim(self) -> int:
        return int(self.shape[-1])


@dataclass(frozen=True, kw_only=True)
class ModelSpec:
    """One checkpoint: source, checksums, rate, outputs, code, licence, loader, random weights.

    ``kind`` is ``"file"`` (one upstream file at ``source``, a URL) or ``"hf"`` (a Hugging Face
    repo ``source`` pinned to ``revision``, of which only ``allow_patterns`` are fetched and
    kept as a ``save_pretrained`` folder named ``file_name``). ``sha256`` is the published
    SHA-256 (for ``hf``: :func:`imagehear.models.weights.folder_sha256` of the pinned files); when
    known, downloads and cached copies that differ are refused. ``code_version`` is bumped
    with any change of the module that moves an output (it keys the embedding cache;
    tests/golden/). ``packages`` are the distributions whose code computes the outputs
    (their versions key the cache and go into result files). ``extra`` names the pip extra
    of image-hear that installs them when they are optional (``pip install image-hear[extra]``).
    """

    name: str
    checkpoint: str
    kind: str
    file_name: str
    source: str
    sha256: str | None
    sha256_prefix: str | None = None
    revision: str | None = None
    allow_patterns: tuple[str, ...] = ()
    sample_rate: int | None
    outputs: tuple[Output, ...]
    code_version: int
    packages: tuple[str, ...]
    license: str
    paper: str
    loader: str            # module with ``load(weights_dir=None, device="cpu", **options)``
    random_weights: str    # module with ``write_random_weights(weights_dir, size="tiny", seed=0)``
    extra: str = ""        # the optional-dependencies group of pyproject.toml, if its packages are optional
    # a model that embeds a video row whole (``embed_videos``) reads its frames at this rate (ImageBind:
    # 0.5, as av-benchmark; imagehear.embed.fps_video); None: video rows are embedded frame by frame
    video_fps: float | None = None

    def __post_init__(self):
        if self.kind not in ("file", "hf"):
            raise ValueError(f"{self.name}: kind must be 'file' or 'hf', got {self.kind!r}")
        if self.kind == "hf" and (not self.revision or not self.allow_patterns):
            raise ValueError(f"{self.name}: a hub model needs a pinned revision and its allow_patterns")

    def output(self, name: str) -> Output:
        for out in self.outputs:
            if out.name == name:
                return out
        raise KeyError(f"{self.name} has no output {name!r}; it has {', '.join(self.output_names)}")

    @property
    def output_names(self) -> tuple[str, ...]:
        return tuple(o.name for o in self.outputs)

    @property
    def audio_outputs(self) -> tuple[str, ...]:
        return tuple(o.name for o in self.outputs if o.input == "audio")

    def load(self, weights_dir=None, device: str = "cpu", **options) -> "Backbone":
        """Build the model through its module's ``load`` (heavy imports happen here)."""
        return importlib.import_module(self.loader).load(weights_dir=weights_dir, device=device, **options)

    def write_random_weights(self, weights_dir, size: str = "tiny", seed: int = 0):
        """Randomly initialised weights of the real architecture, in the upstream format (tests)."""
        return importlib.import_module(self.random_weights).write_random_weights(weights_dir, size=size, seed=seed)

    def record(self) -> dict:
        """The spec's facts a result file stores beside the weights' checksum."""
        return {"checkpoint": self.checkpoint, "code_version": self.code_version, "license": self.license,
                **({"revision": self.revision} if self.revision else {})}


@runtime_checkable
class Backbone(Protocol):
    """What a loaded model offers. Audio models are called on a float32 ``(B, T)`` tensor of
    equal-length mono clips at ``sample_rate`` and return ``{output: tensor (B, ...)}``;
    image models add ``embed_images(list of PIL images) -> (N, D)``, text models
    ``embed_text(list of str) -> (N, D)``.
    """

    name: str
    sample_rate: int | None
    weights: Any   # imagehear.models.weights.ResolvedWeights
    device: str

    def config(self) -> dict:
        """Every setting that changes the outputs (keys the embedding cache, goes into results)."""
        ...
