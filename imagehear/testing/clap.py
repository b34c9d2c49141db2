"""Random CLAP (HTSAT-tiny + RoBERTa) weights as a ``save_pretrained`` folder (``clap-htsat-unfused/``).

The folder holds what ``ClapProcessor`` needs offline: the feature extractor settings of
``laion/clap-htsat-unfused`` (48 kHz, 64 mel bins from 50 Hz to 14 kHz, 10 s, ``repeatpad``,
``rand_trunc``) and a RoBERTa byte-level BPE tokenizer. The real vocabulary (50,265
tokens) cannot be built offline, so the tokenizer is a tiny one: the 256 byte symbols, a
few merges and RoBERTa's special tokens at RoBERTa's ids. ``full`` is the real
architecture (transformers' default ``ClapConfig`` = HTSAT-tiny audio tower, roberta-base
text tower, 512-d projections); ``tiny`` keeps the audio geometry (spec_size 256,
64 mel bins, patch 4, window 8) and the 512-d projection but shrinks both towers.
"""
from __future__ import annotations

from pathlib import Path

FOLDER = "clap-htsat-unfused"
SPECIALS = ["<s>", "<pad>", "</s>", "<unk>"]  # RoBERTa ids 0..3
MERGES = [("Ġ", "t"), ("h", "e"), ("Ġt", "he"), ("Ġ", "s"), ("o", "u"), ("Ġs", "ou"), ("n", "d"), ("Ġsou", "nd")]


def byte_symbols() -> list[str]:
    """GPT-2/RoBERTa's printable stand-ins for the 256 byte values (their byte-level BPE alphabet)."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + \
        list(range(ord("®"), ord("ÿ") + 1))
    symbols, extra = [], 0
    for b in range(256):
        if b in printable:
            symbols.append(chr(b))
        else:  # unprintable bytes map to code points 256, 257, ...
            symbols.append(chr(256 + extra))
            extra += 1
    return symbols


def tiny_tokenizer():
    from transformers import RobertaTokenizer

    vocab = {token: i for i, token in enumerate(SPECIALS + sorted(set(byte_symbols())))}
    for left, right in MERGES:
        vocab.setdefault(left + right, len(vocab))
    vocab["<mask>"] = len(vocab)
    return RobertaTokenizer(vocab=vocab, merges=list(MERGES))


def clap_config(size: str, vocab_size: int):
    from transformers import ClapConfig

    if size == "full":
        return ClapConfig()
    if size != "tiny":
        raise ValueError(f"size must be 'tiny' or 'full', got {size!r}")
    text = dict(vocab_size=vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                intermediate_size=37, max_position_embeddings=80)
    audio = dict(patch_embeds_hidden_size=16, hidden_size=128, depths=[1, 1, 1, 1], num_attention_heads=[1, 1, 2, 2])
    return ClapConfig(text_config=text, audio_config=audio, projection_dim=512)


def write_random_weights(weights_dir, size: str = "tiny", seed: int = 0) -> Path:
    """Write ``weights_dir/clap-htsat-unfused/`` (model, feature extractor, tokenizer)."""
    import torch
    from transformers import ClapFeatureExtractor, ClapModel, ClapProcessor

    tokenizer = tiny_tokenizer()
    config = clap_config(size, len(tokenizer))
    torch.manual_seed(seed)
    model = ClapModel(config).eval()
    extractor = ClapFeatureExtractor(feature_size=64, sampling_rate=48_000, hop_length=480, max_length_s=10,
                                     fft_window_size=1024, frequency_min=50, frequency_max=14_000,
                                     truncation="rand_trunc", padding="repeatpad")
    folder = Path(weights_dir) / FOLDER
    model.save_pretrained(folder)
    ClapProcessor(feature_extractor=extractor, tokenizer=tokenizer).save_pretrained(folder)
    return folder
