"""Add a checkpoint's hash to the leaderboard's accepted list (imagehear/data/accepted_weights.json).

    python scripts/accept_weights.py NAME --evidence "how you checked it" [--weights-dir DIR] [--write]

NAME is a weights registry entry (passt, wav2clip, vggish, panns, clip, clap). The weights
are found as ``image-hear evaluate`` finds them: ``--weights-dir`` (or IMAGEHEAR_WEIGHTS),
the caches, else a download from the registry's pinned source (for Hugging Face entries:
the pinned commit, only the files the backbone loads). The script prints the entry it would
add (SHA-256, file size, for folders the per-file hashes) and, with ``--write``, adds it.
Run it on a machine you trust, from a fresh download, and check the hash against a second
source before writing (docs/leaderboard.md, "Accepted weights").
"""
import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from imagehear.io.download import remembered_sha256  # noqa: E402
from imagehear.io.atomic import atomic_write  # noqa: E402
from imagehear.models.weights import ACCEPTED_FILE, REGISTRY, resolve  # noqa: E402


def entry_for(name: str, weights_dir, evidence: str) -> dict:
    resolved = resolve(name, weights_dir)
    if resolved.random_init:
        sys.exit(f"{resolved.path}: randomly initialised weights (RANDOM_WEIGHTS marker) are never accepted")
    spec = REGISTRY[name]
    if spec.kind == "file":
        what = f"{spec.file_name}, {resolved.path.stat().st_size:,} bytes, from {spec.source}"
        return {"sha256": resolved.sha256, "what": what, "evidence": evidence}
    # the files folder_sha256 counts: the pinned files in a hub snapshot, every (non-hidden) file elsewhere
    counted = spec.allow_patterns if resolved.origin == "cache" else sorted(
        p.relative_to(resolved.path).as_posix() for p in resolved.path.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(resolved.path).parts))
    files = {p: remembered_sha256(resolved.path / p) for p in counted if (resolved.path / p).is_file()}
    what = f"{resolved.origin} folder of {spec.source} (pinned commit {spec.revision})"
    return {"sha256": resolved.sha256, "what": what, "files": files, "evidence": evidence}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("name", choices=sorted(REGISTRY))
    parser.add_argument("--evidence", required=True, help="how the hash was checked (a second source, ...)")
    parser.add_argument("--weights-dir", help="where the weights are (default: as evaluate finds them)")
    parser.add_argument("--write", action="store_true", help=f"add the entry to {ACCEPTED_FILE}")
    args = parser.parse_args()
    entry = entry_for(args.name, args.weights_dir, args.evidence)
    print(json.dumps({args.name: entry}, indent=1))
    if not args.write:
        return 0
    listed = json.loads(ACCEPTED_FILE.read_text())
    known = listed["weights"].setdefault(args.name, [])
    if any(e["sha256"] == entry["sha256"] for e in known):
        print(f"{args.name}: {entry['sha256']} is already accepted")
        return 0
    known.append(entry)
    with atomic_write(ACCEPTED_FILE) as fh:
        json.dump(listed, fh, indent=1, ensure_ascii=False)
        fh.write("\n")
    print(f"added to {ACCEPTED_FILE}; run the tests (tests/test_weights.py checks folder hashes) and commit it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
