"""Which valid results the leaderboard ranks, and why each of the others is not ranked.

A result is ranked only when its numbers mean the same thing as every other ranked one's:
protocol v1, a complete run (every planned clip, none skipped), fp32, the protocol-v1 profile
with default options, this registry's metric definitions, per-sample values that let the
validator check its headlines, and the registry's checkpoints with hashes on the accepted
list (never random weights). :func:`unranked_reasons` returns
every reason a result falls short, in words the table shows; an empty list means ranked.

Reference metrics (KL, FAD, FD, KAD) also depend on the reference set a submitter chose:
:func:`reference_set_key` identifies it, and the table compares those columns only among
ranked rows scored against the same set (:func:`imagehear.leaderboard.ranking.main_reference_set`).

>>> unranked_reasons({"protocol": "v1", "complete": False, "n_samples": 1800, "config": {}}, {})[:2]
['incomplete: 1800 of 3600 planned clips', 'precision not recorded, not fp32']
"""
from __future__ import annotations

from imagehear.leaderboard.consistency import unverifiable_reasons
from imagehear.metrics import METRICS
from imagehear.models.weights import REGISTRY
from imagehear.protocol import CLASS_NAMES, CLIPS_PER_CLASS, DEFAULT_IMAGE_SET, IMAGE_SETS, PROTOCOL_VERSION
from imagehear.protocol.profiles import PROFILES

FULL_N_SAMPLES = CLIPS_PER_CLASS * len(CLASS_NAMES)
DEFAULT_PROFILE = PROFILES["protocol-v1"].record()
REFERENCE_METRICS = tuple(name for name, spec in METRICS.items() if spec.needs_reference)


def weights_needed(data: dict) -> list[str]:
    """Registry entries whose weights the reported (non-failed) metrics read, sorted."""
    metrics = data.get("metrics") if isinstance(data.get("metrics"), dict) else {}
    return sorted({w for name, spec in METRICS.items() if name in metrics for w in spec.weights})


def _coverage_reasons(data: dict) -> list[str]:
    reasons = []
    n = data.get("n_samples")
    if data.get("complete") is not True or n != FULL_N_SAMPLES:
        reasons.append(f"incomplete: {n} of {FULL_N_SAMPLES} planned clips")
    skipped = data.get("skipped") or []
    if skipped:
        reasons.append(f"{len(skipped)} clip(s) skipped (--skip-invalid)")
    return reasons


def _option_reasons(config: dict) -> list[str]:
    reasons = []
    precision = config.get("precision")
    if precision != "fp32":
        reasons.append(f"precision {str(precision).split(' ')[0] if precision else 'not recorded'}, not fp32")
    profile = config.get("profile")
    if not isinstance(profile, dict):
        reasons.append("profile not recorded (config.profile)")
    elif profile.get("name") != "protocol-v1":
        reasons.append(f"profile {str(profile.get('name'))[:40]} (--compat), not protocol-v1")
    else:
        # a key the file lacks is an option added after the version that wrote it: its default then
        changed = sorted(k for k in set(DEFAULT_PROFILE) | set(profile)
                         if profile.get(k, DEFAULT_PROFILE.get(k)) != DEFAULT_PROFILE.get(k))
        if changed:
            reasons.append("options differ from protocol v1: " + ", ".join(
                f"{k}={str(profile.get(k))[:20]}" for k in changed[:4]))
    passt = (config.get("backbones") or {}).get("passt") if isinstance(config.get("backbones"), dict) else None
    if isinstance(passt, dict) and isinstance(passt.get("input_length"), dict) and \
            passt["input_length"].get("pad_to_10s"):
        reasons.append("PaSST input zero-padded to 10 s (--pad-to-10s), not protocol v1's default")
    if config.get("conditioning"):
        reasons.append("conditioned on video frames, not the IMAGE HEAR images")
    return reasons


def image_set_reasons(data: dict) -> list[str]:
    """Results on another image set (V2A-Mapper's 101 files) form their own comparability group.

    >>> image_set_reasons({"image_set": "v2a-mapper"})[0][:40]
    'image set v2a-mapper (all 101 files of I'
    """
    image_set = data.get("image_set", DEFAULT_IMAGE_SET)  # files written before image sets: protocol v1's
    if image_set == DEFAULT_IMAGE_SET:
        return []
    what = IMAGE_SETS.get(image_set, "unknown")
    return [f"image set {str(image_set)[:20]} ({what}): its own comparability group, not protocol v1's 100 images"]


def _definition_reasons(data: dict) -> list[str]:
    recorded = (data.get("config") or {}).get("metrics")
    if not isinstance(recorded, dict):
        return ["metric definitions not recorded (config.metrics)"]
    differ = [name for name in METRICS if name in data["metrics"] and recorded.get(name) != METRICS[name].protocol]
    if differ:
        return [f"{', '.join(differ)}: defined differently from this leaderboard's metric registry "
                f"(image-hear {str(data.get('image_hear_version'))[:20]})"]
    return []


def weights_reasons(environment: dict, needed: list[str], accepted: dict) -> list[str]:
    """Reasons the weights are not the registry's accepted ones (random, other checkpoint, unknown hash)."""
    weights = environment.get("weights") if isinstance(environment.get("weights"), dict) else {}
    entries = {name: weights.get(name) if isinstance(weights.get(name), dict) else {} for name in needed}
    random = [name for name, e in entries.items() if e.get("random_init") is True]
    reasons = [f"random weights ({', '.join(random)}): a `make demo` or test run"] if random else []
    unverified = []
    for name, e in entries.items():
        if name in random:
            continue
        checkpoint = e.get("checkpoint")
        if checkpoint is not None and checkpoint != REGISTRY[name].checkpoint:
            reasons.append(f"weights {name}: checkpoint {str(checkpoint)[:60]!r}, not the registry's "
                           f"{REGISTRY[name].checkpoint!r}")
        elif e.get("sha256") not in accepted.get(name, ()):
            unverified.append(f"{name} ({str(e.get('sha256'))[:12]}…)")
    if unverified:
        reasons.append(f"unverified weights: {', '.join(unverified)} not on the accepted list "
                       "(imagehear/data/accepted_weights.json)")
    return reasons


def unranked_reasons(data: dict, accepted: dict) -> list[str]:
    """Every reason a valid result is not ranked; ``[]``: it is comparable and ranked.

    ``accepted`` maps registry names to accepted SHA-256s (:func:`imagehear.models.weights.accepted_sha256`).
    """
    reasons = [] if data.get("protocol") == PROTOCOL_VERSION else [f"protocol {data.get('protocol')!r}, not v1"]
    reasons += _coverage_reasons(data) + image_set_reasons(data)
    config = data.get("config") if isinstance(data.get("config"), dict) else {}
    reasons += _option_reasons(config)
    if isinstance(data.get("metrics"), dict):
        reasons += _definition_reasons(data)
    environment = data.get("environment") if isinstance(data.get("environment"), dict) else {}
    return reasons + unverifiable_reasons(data) + weights_reasons(environment, weights_needed(data), accepted)


def reference_set_key(data: dict) -> tuple[str, int] | None:
    """``(sha256, n_files)`` of the reference set behind the reference metrics, or None.

    >>> reference_set_key({"reference_set": {"sha256": "ab" * 32, "n_files": 3600}})[1]
    3600
    """
    ref = data.get("reference_set")
    if isinstance(ref, dict) and isinstance(ref.get("sha256"), str) and isinstance(ref.get("n_files"), int):
        return ref["sha256"], ref["n_files"]
    return None


def has_reference_metrics(data: dict) -> bool:
    return any(name in data.get("metrics", {}) for name in REFERENCE_METRICS)
