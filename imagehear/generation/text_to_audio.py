"""The text-to-audio baselines: ``class-prompt`` (the class name as the prompt: what knowing the
label alone gives) and ``caption-to-audio`` (image → caption by an image-captioning model → the
same text-to-audio pipeline: the cascade image-to-audio papers compare against).

The captioner is BLIP (``Salesforce/blip-image-captioning-base``, BSD-3-Clause, through
transformers' ``BlipForConditionalGeneration``; greedy decoding, so a caption depends on its
image only). The pipeline is Stable Audio Open 1.0 through diffusers'
``StableAudioPipeline`` (``stabilityai/stable-audio-open-1.0``: a gated repository under the
Stability AI Community License; accept it on the Hub and log in, or give a local
``save_pretrained`` folder as ``pipeline=``). Each row gets its own ``torch.Generator`` seeded
with its row seed, so a clip does not depend on which rows share its batch (up to the float
noise of batched kernels). Stereo output is averaged to mono (the protocol's own mono rule).
``generation.json`` records the pipeline, the snapshot commit it was loaded from (pin one with
``--model-arg pipeline_revision=SHA``), the prompt
template, length, steps and guidance.

    image-hear generate class-prompt --out runs/class_prompt --device cuda --batch-size 16
"""
from __future__ import annotations

from pathlib import Path

from imagehear.errors import MissingDependencyError, WeightsError

STABLE_AUDIO = "stabilityai/stable-audio-open-1.0"
BLIP = "Salesforce/blip-image-captioning-base"


def local_folder(name: str, what: str, revision: str | None = None) -> tuple[Path, dict]:
    """A local ``save_pretrained`` folder, or a Hub repo's snapshot in the HF cache (downloaded when
    online); and what to record: the name and the snapshot's commit."""
    folder = Path(name).expanduser()
    if folder.is_dir():
        return folder, {what: str(folder)}
    from huggingface_hub import constants, snapshot_download

    from imagehear.io.download import is_offline

    try:
        folder = Path(snapshot_download(name, revision=revision, local_files_only=is_offline()))
    except Exception as exc:  # noqa: BLE001 - offline, gated, or a wrong name: one line saying which
        why = " ".join(f"{type(exc).__name__}: {exc}".split())[:200]
        raise WeightsError(f"{name}: the {what} is not in the Hugging Face cache {constants.HF_HUB_CACHE} and cannot "
                           f"be downloaded ({why}); online, accept its licence on the Hub and `hf auth login`; "
                           f"offline, put a save_pretrained folder anywhere and pass --model-arg {what}=FOLDER") \
            from None
    return folder, {what: name, f"{what}_snapshot": folder.name}  # the Hub commit the files came from


def load_pipeline(pipeline: str, device: str, revision: str | None = None):
    """(diffusers pipeline, where it came from): a local folder, or a Hub repo via the HF cache."""
    try:
        import diffusers
    except ImportError:
        raise MissingDependencyError("the text-to-audio baselines need diffusers: "
                                     "pip install 'image-hear[baselines]'") from None
    folder, source = local_folder(pipeline, "pipeline", revision)
    source["diffusers"] = diffusers.__version__
    pipe = diffusers.DiffusionPipeline.from_pretrained(str(folder))
    pipe.set_progress_bar_config(disable=True)
    return pipe.to(device), source


class ClassPrompt:
    """A factory: ``ClassPrompt(pipeline=..., prompt="The sound of {label}.", seconds=10, steps=100,
    guidance=7.0, device="cpu")`` is a model."""

    name = "class-prompt"

    def __init__(self, pipeline: str = STABLE_AUDIO, prompt: str = "The sound of {label}.", seconds: float = 10.0,
                 steps: int = 100, guidance: float = 7.0, pipeline_revision: str | None = None,
                 device: str = "cpu"):
        self.pipe, source = load_pipeline(pipeline, device, pipeline_revision)
        self.device, self.template, self.seconds, self.steps, self.guidance = device, prompt, seconds, steps, guidance
        self.sample_rate = int(self.pipe.vae.config.sampling_rate)
        self.details = {**source, "prompt": prompt, "seconds": seconds, "steps": steps, "guidance": guidance,
                        "licence": "the pipeline's own (Stable Audio Open 1.0: Stability AI Community License)"}

    def prompts(self, images, labels) -> list[str]:
        return [self.template.format(label=label.lower()) for label in labels]

    def __call__(self, images, labels, seeds):
        import torch

        generators = [torch.Generator(self.device).manual_seed(int(seed)) for seed in seeds]
        audio = self.pipe(self.prompts(images, labels), audio_end_in_s=self.seconds, num_inference_steps=self.steps,
                          guidance_scale=self.guidance, generator=generators).audios
        return [a.float().mean(0).cpu().numpy() for a in audio]  # (channels, samples) -> mono


class CaptionToAudio(ClassPrompt):
    """A factory: ``CaptionToAudio(captioner=BLIP, pipeline=..., prompt="{caption}", seconds=10, steps=100,
    guidance=7.0, max_caption_tokens=30, device="cpu")`` is a model."""

    name = "caption-to-audio"

    def __init__(self, captioner: str = BLIP, pipeline: str = STABLE_AUDIO, prompt: str = "{caption}",
                 seconds: float = 10.0, steps: int = 100, guidance: float = 7.0, max_caption_tokens: int = 30,
                 pipeline_revision: str | None = None, captioner_revision: str | None = None, device: str = "cpu"):
        from transformers import BlipForConditionalGeneration, BlipProcessor

        super().__init__(pipeline, prompt, seconds, steps, guidance, pipeline_revision, device)
        folder, source = local_folder(captioner, "captioner", captioner_revision)
        self.processor = BlipProcessor.from_pretrained(str(folder))
        self.captioner = BlipForConditionalGeneration.from_pretrained(str(folder)).to(device).eval()
        self.max_caption_tokens = max_caption_tokens
        self.details.update(source, max_caption_tokens=max_caption_tokens, decoding="greedy",
                            captioner_licence="BLIP: BSD-3-Clause")

    def captions(self, images) -> list[str]:
        import torch

        inputs = self.processor(images=[image.convert("RGB") for image in images], return_tensors="pt").to(self.device)
        with torch.inference_mode():
            tokens = self.captioner.generate(**inputs, max_new_tokens=self.max_caption_tokens, do_sample=False)
        return [text.strip() for text in self.processor.batch_decode(tokens, skip_special_tokens=True)]

    def prompts(self, images, labels) -> list[str]:
        return [self.template.format(caption=caption) for caption in self.captions(images)]
