"""A tiny Stable Audio Open pipeline of the real architectures (diffusers' ``StableAudioPipeline``:
T5 text encoder + tokenizer, projection model, DiT, Oobleck VAE, EDM DPM-Solver scheduler), random
weights, written with ``save_pretrained`` as the real checkpoint folder is laid out.

Mono 1 kHz, at most 1.02 s, so a test generates clips in about a second on a CPU.
"""
from __future__ import annotations

from pathlib import Path

WORDS = ["<pad>", "</s>", "<unk>"] + ("the sound of a an dog cat piano rain bird car train gun people cow duck "
                                      "horse lion sheep frog flute drums guitar bass bells").split()


def tokenizer():
    """A T5 tokenizer (unigram, like T5's) over a small vocabulary; no sentencepiece file needed."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import T5TokenizerFast

    tok = Tokenizer(models.Unigram([(w, -1.0 - i) for i, w in enumerate(WORDS)], unk_id=2))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.post_processor = processors.TemplateProcessing(single="$A </s>", special_tokens=[("</s>", 1)])
    return T5TokenizerFast(tokenizer_object=tok, eos_token="</s>", pad_token="<pad>", unk_token="<unk>",
                           model_max_length=16)


def write_random_pipeline(folder, seed: int = 0) -> Path:
    """Write the tiny pipeline into ``folder`` (a ``save_pretrained`` folder); return it."""
    import torch
    from diffusers import AutoencoderOobleck, EDMDPMSolverMultistepScheduler, StableAudioDiTModel, StableAudioPipeline
    from diffusers.pipelines.stable_audio import StableAudioProjectionModel
    from transformers import T5Config, T5EncoderModel

    torch.manual_seed(seed)
    pipe = StableAudioPipeline(
        vae=AutoencoderOobleck(encoder_hidden_size=8, downsampling_ratios=[2, 4], channel_multiples=[1, 2],
                               decoder_channels=8, decoder_input_channels=4, audio_channels=1, sampling_rate=1000),
        text_encoder=T5EncoderModel(T5Config(vocab_size=len(WORDS), d_model=16, d_kv=4, d_ff=32, num_layers=1,
                                             num_heads=2)),
        projection_model=StableAudioProjectionModel(text_encoder_dim=16, conditioning_dim=16, min_value=0,
                                                    max_value=64),
        tokenizer=tokenizer(),
        transformer=StableAudioDiTModel(sample_size=128, in_channels=4, num_layers=1, attention_head_dim=4,
                                        num_attention_heads=2, num_key_value_attention_heads=1, out_channels=4,
                                        cross_attention_dim=16, time_proj_dim=8, global_states_input_dim=32,
                                        cross_attention_input_dim=16),
        scheduler=EDMDPMSolverMultistepScheduler(sigma_min=0.3, sigma_max=500, sigma_data=1.0,
                                                 prediction_type="v_prediction", final_sigmas_type="zero"))
    pipe.save_pretrained(folder)
    return Path(folder)


CAPTION_WORDS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + "a the dog cat piano sound of with in on".split()


def write_random_captioner(folder, seed: int = 0) -> Path:
    """A tiny BLIP image captioner (transformers' ``BlipForConditionalGeneration`` and ``BlipProcessor``,
    the architecture of ``Salesforce/blip-image-captioning-base``), random weights, ``save_pretrained``."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import (BertTokenizerFast, BlipConfig, BlipForConditionalGeneration, BlipImageProcessor,
                              BlipProcessor)

    tok = Tokenizer(models.WordLevel({w: i for i, w in enumerate(CAPTION_WORDS)}, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer = BertTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
                                  sep_token="[SEP]", mask_token="[MASK]", bos_token="[CLS]", eos_token="[SEP]")
    torch.manual_seed(seed)
    config = BlipConfig(
        vision_config=dict(hidden_size=16, intermediate_size=32, num_hidden_layers=1, num_attention_heads=2,
                           image_size=32, patch_size=8),
        text_config=dict(vocab_size=len(CAPTION_WORDS), hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                         num_attention_heads=2, encoder_hidden_size=16, bos_token_id=2, sep_token_id=3,
                         pad_token_id=0, eos_token_id=3), projection_dim=16)
    BlipForConditionalGeneration(config).save_pretrained(folder)
    BlipProcessor(image_processor=BlipImageProcessor(size={"height": 32, "width": 32}),
                  tokenizer=tokenizer).save_pretrained(folder)
    return Path(folder)
