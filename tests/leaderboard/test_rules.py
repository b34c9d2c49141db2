"""What the ranking admits: every way a valid result falls short is named, and only a fully
comparable run is ranked."""
from __future__ import annotations

import pytest

from imagehear.leaderboard.rules import unranked_reasons
from imagehear.protocol.profiles import profile
from imagehear.models.weights import accepted_sha256


def test_a_complete_default_run_with_accepted_weights_is_ranked(results_factory, accepted):
    assert unranked_reasons(results_factory(kl=2.0), accepted) == []


def _bf16(d):
    d["config"]["precision"] = "bf16 autocast (opt-in; measured deviation from fp32 in bench/precision.md)"


def _skipped(d):
    d["skipped"] = [{"file": "dog/dog_003.wav", "reason": "non_finite: contains NaN"}]


def _pad(d):
    d["config"]["backbones"] = {"passt": {"input_length": {"pad_to_10s": True}}}


def _other_definition(d):
    d["config"]["metrics"]["accuracy"] = "top-1 over all 527 classes"


def _no_definitions(d):
    del d["config"]["metrics"]


def _other_checkpoint(d):
    d["environment"]["weights"]["passt"]["checkpoint"] = "passt_s_p16_s16_128_ap468"


def _unknown_hash(d):
    d["environment"]["weights"]["clip"]["sha256"] = "0" * 64


def _no_profile(d):
    del d["config"]["profile"]


CASES = [
    # (change, results_factory kwargs, the reason)
    (None, {"complete": False, "n_samples": 1800}, "incomplete: 1800 of 3600 planned clips"),
    (None, {"complete": False, "n_samples": 3600}, "incomplete: 3600 of 3600 planned clips"),
    (_skipped, {}, "1 clip(s) skipped (--skip-invalid)"),
    (_bf16, {}, "precision bf16, not fp32"),
    (None, {"profile": profile("av-benchmark").record()}, "profile av-benchmark (--compat), not protocol-v1"),
    (None, {"profile": profile("protocol-v1", audio_length=8).record()},
     "options differ from protocol v1: audio_length=8.0"),
    (_no_profile, {}, "profile not recorded (config.profile)"),
    (_pad, {}, "PaSST input zero-padded to 10 s (--pad-to-10s), not protocol v1's default"),
    (_other_definition, {}, "accuracy: defined differently from this leaderboard's metric registry (image-hear 0.1.0)"),
    (_no_definitions, {}, "metric definitions not recorded (config.metrics)"),
    (None, {"random_init": True}, "random weights (clip, passt, wav2clip): a `make demo` or test run"),
    (_other_checkpoint, {}, "weights passt: checkpoint 'passt_s_p16_s16_128_ap468', not the registry's "
                            "'passt_s_swa_p16_128_ap476'"),
    (_unknown_hash, {}, "unverified weights: clip (000000000000…) not on the accepted list "
                        "(imagehear/data/accepted_weights.json)"),
]


@pytest.mark.parametrize("change,kwargs,reason", CASES, ids=[c[2][:40] for c in CASES])
def test_each_shortfall_is_a_reason(results_factory, accepted, change, kwargs, reason):
    data = results_factory(**kwargs)
    if change:
        change(data)
    assert unranked_reasons(data, accepted) == [reason]


def test_every_reason_is_listed_at_once(results_factory, accepted):
    data = results_factory(complete=False, n_samples=120, random_init=True)
    _bf16(data)
    assert len(unranked_reasons(data, accepted)) == 3


def test_only_weights_the_metrics_read_matter(results_factory, accepted):
    data = results_factory(clip_score=None)  # accuracy only: CLIP and Wav2CLIP are not read
    data["environment"]["weights"]["clip"]["sha256"] = "0" * 64
    assert unranked_reasons(data, accepted) == []


def test_the_repository_list_holds_the_pinned_hashes_and_no_random_ones(results_factory):
    """The real list: PaSST, PANNs and the pinned CLIP/CLAP snapshots are accepted; Wav2CLIP and
    VGGish have no known hash yet, so a run reading them shows as unverified (never ranked)."""
    real = accepted_sha256()
    assert {name for name, hashes in real.items() if hashes} == {"passt", "panns", "clip", "clap"}
    data = results_factory(clip_score=None)
    data["environment"]["weights"]["passt"]["sha256"] = next(iter(real["passt"]))
    assert unranked_reasons(data, real) == []
    data = results_factory()
    for name in ("passt", "clip"):
        data["environment"]["weights"][name]["sha256"] = next(iter(real[name]))
    assert unranked_reasons(data, real) == ["unverified weights: wav2clip (bbbbbbbbbbbb…) not on the accepted "
                                            "list (imagehear/data/accepted_weights.json)"]


def test_another_image_set_is_its_own_group_and_older_files_keep_their_rank(results_factory, accepted):
    data = results_factory()
    data["image_set"] = "v2a-mapper"
    assert "image set v2a-mapper (all 101 files of Im2Wav's folder, people4.jpg in People (V2A-Mapper's set)): " \
           "its own comparability group, not protocol v1's 100 images" in unranked_reasons(data, accepted)
    older = results_factory()  # written before image sets, SSV2A's profile fields and FD-inf existed
    older.pop("image_set", None)
    for key in ("wav2clip_batch", "clip_score_scale", "metrics"):
        older["config"]["profile"].pop(key)
    assert unranked_reasons(older, accepted) == []
    ssv2a = results_factory(profile=profile("ssv2a").record())
    assert unranked_reasons(ssv2a, accepted) == ["profile ssv2a (--compat), not protocol-v1"]
