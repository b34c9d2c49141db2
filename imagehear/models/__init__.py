"""The model registry: one typed :class:`~imagehear.models.spec.ModelSpec` per checkpoint.

This is the only place a model is described. Adding a backbone is one entry here, its own
module (``load`` returning a :class:`~imagehear.models.spec.Backbone`), its random-weights
writer under :mod:`imagehear.testing`, and its golden outputs (``python -m tests.regen_golden``);
docs/architecture.md has the recipe. Importing this module imports nothing heavy.

>>> from imagehear.models import MODELS, output_spec
>>> list(MODELS)
['passt', 'panns', 'wav2clip', 'vggish', 'clip', 'clap', 'pe_av', 'aesthetics', 'imagebind']
>>> MODELS["passt"].sample_rate, MODELS["passt"].output_names
(32000, ('logits', 'embedding'))
>>> output_spec("clip.image").shape
(512,)
"""
from __future__ import annotations

from imagehear.models.spec import FRAMES, Backbone, ModelSpec, Output

__all__ = ["MODELS", "Backbone", "ModelSpec", "Output", "get", "output_spec", "code_packages"]

_AUDIOSET = Output("logits", (527,), description="AudioSet logits (PaSST's order), before any softmax/sigmoid")

# Files of the pinned hub commits (their SHA-256s: imagehear/data/accepted_weights.json).
# CLIP: only the vision tower is used, with our own preprocessing: the config and the weights.
_CLIP_FILES = ("config.json", "pytorch_model.bin")
# CLAP: ClapModel + ClapProcessor (feature extractor settings and the RoBERTa tokenizer).
_CLAP_FILES = ("config.json", "merges.txt", "preprocessor_config.json", "pytorch_model.bin",
               "special_tokens_map.json", "tokenizer.json", "tokenizer_config.json", "vocab.json")
# PE-AV: the model (config + safetensors, sharded or not) and its audio / video processor settings;
# the ModernBERT tokenizer is not read (no text output).
_PE_AV_FILES = ("config.json", "model*.safetensors", "model.safetensors.index.json", "preprocessor_config.json",
                "video_preprocessor_config.json", "processor_config.json")

_SPECS = (
    ModelSpec(
        name="passt", checkpoint="passt_s_swa_p16_128_ap476", kind="file",
        file_name="passt-s-f128-p16-s10-ap.476-swa.pt",
        source="https://github.com/kkoutini/PaSST/releases/download/v0.0.1-audioset/"
               "passt-s-f128-p16-s10-ap.476-swa.pt",
        # PaSST publishes no SHA-256; this value (344,665,734 bytes) is the one independent projects pin
        sha256="302903fa8c4aee817b11dc982da0b29aaf8d11a3e722420476d0a12c9db70c2c",
        sample_rate=32000,
        outputs=(_AUDIOSET, Output("embedding", (768,), description="mean of the cls and distillation tokens")),
        code_version=1, packages=("hear21passt",), license="Apache-2.0",
        paper="Koutini et al., Efficient Training of Audio Transformers with Patchout, Interspeech 2022",
        loader="imagehear.models.passt", random_weights="imagehear.testing.passt"),
    ModelSpec(
        name="panns", checkpoint="Cnn14_16k_mAP=0.438", kind="file", file_name="Cnn14_16k_mAP=0.438.pth",
        source="https://zenodo.org/record/3987831/files/Cnn14_16k_mAP%3D0.438.pth?download=1",
        # Zenodo publishes the md5 (362fc5ff18f1d6ad2f6d464b45893f2c) only; this SHA-256 of the file
        # (358,668,570 bytes) is the one several independent users record
        sha256="e2ee543a27919542c2ea03eabaa70b24dcd4e6c8e05621de6b67a94e4c5058e6",
        sample_rate=16000,
        outputs=(Output("logits", (527,), description="fc_audioset output before the sigmoid"),
                 Output("embedding", (2048,), description="ReLU of fc1 (av-benchmark's '2048')")),
        code_version=1, packages=(), license="MIT",  # our own torch code computes the outputs
        paper="Kong et al., PANNs: Large-Scale Pretrained Audio Neural Networks for Audio Pattern Recognition, "
              "IEEE/ACM TASLP 2020",
        loader="imagehear.models.panns", random_weights="imagehear.testing.panns"),
    ModelSpec(
        name="wav2clip", checkpoint="Wav2CLIP", kind="file", file_name="Wav2CLIP.pt",
        source="https://github.com/descriptinc/lyrebird-wav2clip/releases/download/v0.1.0-alpha/Wav2CLIP.pt",
        sha256=None, sample_rate=16000,
        outputs=(Output("embedding", (512,), description="MLP projection on, each clip normalised by itself"),),
        code_version=1, packages=("wav2clip",), license="MIT",
        paper="Wu et al., Wav2CLIP: Learning Robust Audio Representations from CLIP, ICASSP 2022",
        loader="imagehear.models.wav2clip", random_weights="imagehear.testing.wav2clip"),
    ModelSpec(
        name="vggish", checkpoint="vggish", kind="file", file_name="vggish-10086976.pth",
        source="https://github.com/harritaylor/torchvggish/releases/download/v0.1/vggish-10086976.pth",
        sha256=None, sha256_prefix="10086976", sample_rate=16000,
        outputs=(Output("embedding", (FRAMES, 128), description="one row per 0.96 s frame, PCA off, "
                                                               "final ReLU removed"),),
        code_version=1, packages=("torchvggish",), license="Apache-2.0",
        paper="Hershey et al., CNN Architectures for Large-Scale Audio Classification, ICASSP 2017",
        loader="imagehear.models.vggish", random_weights="imagehear.testing.vggish"),
    ModelSpec(
        name="clip", checkpoint="openai/clip-vit-base-patch32", kind="hf", file_name="clip-vit-base-patch32",
        source="openai/clip-vit-base-patch32", revision="3d74acf9a28c67741b2f4f2ea7635f0aaf6f0268",
        allow_patterns=_CLIP_FILES,
        sha256="537d1a279d753fbebfe8f3f8c7178075b9a5492fa9780a480303bd2ef7206158",
        sample_rate=None,
        outputs=(Output("image", (512,), input="image", description="image_embeds, not normalised"),),
        code_version=2, packages=("transformers", "Pillow"), license="MIT",  # v2: RGB after resize and crop
        paper="Radford et al., Learning Transferable Visual Models From Natural Language Supervision, ICML 2021",
        loader="imagehear.models.clip", random_weights="imagehear.testing.clip"),
    ModelSpec(
        name="clap", checkpoint="laion/clap-htsat-unfused", kind="hf", file_name="clap-htsat-unfused",
        source="laion/clap-htsat-unfused", revision="8fa0f1c6d0433df6e97c127f64b2a1d6c0dcda8a",
        allow_patterns=_CLAP_FILES,
        sha256="372ad60e1aad6627c0cddcd7484d63d9db5ed5e41422ae6b4ff38c0f3c7b7b7a",
        sample_rate=48000,
        outputs=(Output("embedding", (512,), description="audio_projection, not normalised"),
                 Output("text", (512,), input="text", description="text_projection, not normalised")),
        code_version=1, packages=("transformers",), license="Apache-2.0",
        paper="Wu et al., Large-scale Contrastive Language-Audio Pretraining, ICASSP 2023",
        loader="imagehear.models.clap", random_weights="imagehear.testing.clap"),
    ModelSpec(
        name="pe_av", checkpoint="facebook/pe-av-large", kind="hf", file_name="pe-av-large",
        # the commit MTEB's model registry pins for facebook/pe-av-large (mteb/models/model_implementations)
        source="facebook/pe-av-large", revision="0d24878d4107d64bef49e53602fc34ce6f94f6d8",
        allow_patterns=_PE_AV_FILES,
        sha256=None,  # no published checksum of the pinned files yet: results record ours, unverified
        sample_rate=48000,
        outputs=(Output("embedding", (1024,), description="audio_head of the pooled audio encoder, not normalised"),
                 Output("image", (1024,), input="image",
                        description="video_head of a one-frame video of the image, not normalised")),
        code_version=1, packages=("transformers", "timm"), license="Apache-2.0",
        paper="Vyas et al., Pushing the Frontier of Audiovisual Perception with Large-Scale Multimodal "
              "Correspondence Learning, arXiv:2512.19687, 2025",
        loader="imagehear.models.pe_av", random_weights="imagehear.testing.pe_av"),
    ModelSpec(
        name="aesthetics", checkpoint="audiobox-aesthetics", kind="file",
        # upstream's file is a bare "checkpoint.pt" (also on the hub as facebook/audiobox-aesthetics):
        # kept under a name of its own, since "checkpoint.pt" collides in a shared weights folder
        file_name="audiobox-aesthetics-checkpoint.pt",
        source="https://dl.fbaipublicfiles.com/audiobox-aesthetics/checkpoint.pt",  # the package's own fallback
        sha256=None, sample_rate=16000,
        outputs=(Output("axes", (4,), description="CE, CU, PC, PQ: the package's per-clip predictions (10 s "
                                                  "windows, de-normalised, averaged by window length)"),),
        code_version=1, packages=("audiobox_aesthetics",), license="CC-BY-4.0",
        paper="Tjandra et al., Meta Audiobox Aesthetics: Unified Automatic Quality Assessment for Speech, Music, "
              "and Sound, arXiv:2502.05139, 2025",
        loader="imagehear.models.aesthetics", random_weights="imagehear.testing.aesthetics"),
    ModelSpec(
        name="imagebind", checkpoint="imagebind_huge", kind="file", file_name="imagebind_huge.pth",
        # the URL imagebind_huge(pretrained=True) downloads; a bare state dict (4.8 GB); no published checksum
        source="https://dl.fbaipublicfiles.com/imagebind/imagebind_huge.pth", sha256=None, sample_rate=16000,
        outputs=(Output("embedding", (1024,), description="ImageBindModel audio output: mean over three 2 s clips "
                                                          "of 20 x the L2-normed embedding"),
                 Output("image", (1024,), input="image", description="ImageBindModel vision output, L2-normed "
                                                                        "(a video: mean over its clips)")),
        # the weights are CC-BY-NC-SA 4.0 (non-commercial); the code (imagebind-unofficial) likewise
        code_version=1, packages=("imagebind-unofficial", "pytorchvideo"), license="CC-BY-NC-SA-4.0",
        paper="Girdhar et al., ImageBind: One Embedding Space To Bind Them All, CVPR 2023",
        loader="imagehear.models.imagebind", random_weights="imagehear.testing.imagebind", extra="imagebind",
        video_fps=0.5),  # av-benchmark's _IMAGEBIND_FPS
)
MODELS: dict[str, ModelSpec] = {spec.name: spec for spec in _SPECS}
BASE_PACKAGES = ("torch", "torchaudio")  # compute (and resample for) every model


def get(name: str) -> ModelSpec:
    """The spec of model ``name``; an unknown name is a WeightsError listing the known ones."""
    if name not in MODELS:
        from imagehear.errors import WeightsError

        raise WeightsError(f"unknown model {name!r}; known: {', '.join(MODELS)}")
    return MODELS[name]


def output_spec(need: str) -> Output:
    """The :class:`Output` behind a metric's ``"model.output"`` need."""
    model, _, output = need.partition(".")
    return get(model).output(output)


def code_packages() -> tuple[str, ...]:
    """Every distribution whose code computes some model's outputs (torch, torchaudio first)."""
    return tuple(dict.fromkeys(BASE_PACKAGES + tuple(p for s in _SPECS for p in s.packages)))
