"""``image-hear``: the command line. A thin shell: parse, call the library, print.

Library errors (:class:`imagehear.errors.ImageHearError`) become one-line messages and
exit code 2; ``check`` exits 1 when it finds problems. Imports happen inside each
command, so ``image-hear --help`` loads no model and touches no network.
"""
from __future__ import annotations

import argparse
import json
import sys
import warnings

from imagehear.errors import ImageHearError


def _cmd_plan(args) -> int:
    from imagehear import protocol
    from imagehear.plan import write_plan

    path = write_plan(args.out, per_class=args.per_class)
    print(f"wrote {path} ({args.per_class * len(protocol.CLASS_NAMES)} clips, "
          f"{len(protocol.CLASS_NAMES)} classes x {args.per_class})")
    return 0


def _cmd_check(args) -> int:
    from imagehear.check import check_generated

    report = check_generated(args.generated_dir, min_seconds=args.min_seconds)
    print(json.dumps(report.to_dict(), indent=1) if args.json else report.text())
    return 0 if report.ok else 1


def _cmd_dataset(args) -> int:
    from imagehear.dataset import export_hub_folder

    out = export_hub_folder(args.out, source=args.source, cache_dir=args.cache_dir)
    print(f"wrote the Hub form of IMAGE HEAR to {out}; load it with datasets.load_dataset({str(out)!r})")
    return 0


def _cmd_evaluate(args) -> int:
    from pathlib import Path

    from imagehear.report import markdown_summary, write_per_sample_csv, write_plots
    from imagehear.suite import Options, evaluate_generated

    from imagehear.profiles import profile

    options = Options(weights_dir=args.weights_dir, device=args.device, batch_size=args.batch_size,
                      cache_dir=args.cache_dir, source=args.source, pad_to_10s=args.pad_to_10s, seed=args.seed,
                      precision=args.precision, model={"name": args.model_name, "paper": args.paper,
                                                       "code": args.code},
                      profile=profile(args.compat, args.audio_length), video_frames=args.frames)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        results, per_sample = evaluate_generated(args.generated_dir, args.reference_dir, args.metrics,
                                                 skip_invalid=args.skip_invalid, options=options)
    # our own warnings (few samples for FD, ...) go to the terminal and into the results file
    notes = list(dict.fromkeys(str(w.message) for w in caught if w.category.__module__.startswith("imagehear")))
    results["warnings"] = notes
    if not options.shard.is_main:  # under accelerate launch, one process reports
        return 0
    for note in notes:
        print(f"image-hear evaluate: warning: {note}", file=sys.stderr)
    out = Path(args.out) if args.out else Path(args.generated_dir) / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1) + "\n")
    write_per_sample_csv(per_sample, out.with_name("per_sample.csv"))
    plots = write_plots(results, out.parent)
    print(markdown_summary(results))
    print(f"\nwrote {out}, {out.with_name('per_sample.csv')} and {len(plots)} plot(s)")
    failed = [name for name, entry in results["metrics"].items() if "error" in entry]
    for name in failed:
        print(f"image-hear evaluate: error: {name} failed: {results['metrics'][name]['error']} "
              "(the other metrics are in the results file)", file=sys.stderr)
    return 1 if failed else 0


def _cmd_compare(args) -> int:
    """Exit 0 with the comparison; 1 (one line) when the files cannot be compared."""
    from pathlib import Path

    from imagehear import compare

    try:
        a, b = compare.load_results(args.a), compare.load_results(args.b)
        metrics = [m.strip() for m in args.metrics.split(",") if m.strip()] if args.metrics else None
        embeddings = None
        if args.reference_dir:
            from imagehear.pipeline import Options

            dirs = args.generated or [Path(args.a).parent, Path(args.b).parent]
            options = Options(weights_dir=args.weights_dir, device=args.device, cache_dir=args.cache_dir,
                              progress=False)
            embeddings = compare.both_embeddings(a, b, dirs, args.reference_dir, options, metrics)
        result = compare.compare(a, b, metrics=metrics, seed=args.seed, n_resamples=args.n_resamples,
                                 embeddings=embeddings)
    except ImageHearError as exc:
        print(f"image-hear compare: error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=1) if args.json else compare.text(result))
    return 0


def _cmd_leaderboard(args) -> int:
    from imagehear.leaderboard.app import launch

    launch(results_dir=args.results, port=args.port, host=args.host)
    return 0


def _cmd_publish(args) -> int:
    from imagehear.publish.command import publish

    print(publish(args.stage, push=args.push, token=args.token, dry_run=args.dry_run, source=args.source,
                  cache_dir=args.cache_dir, namespace=args.namespace, repo=args.repo))
    return 0


def _frames_arg(value):
    from imagehear.frames import parse_frames

    try:
        return parse_frames(value)
    except ImageHearError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    from imagehear.frames import DEFAULT_FRAMES
    from imagehear.metrics import DEFAULT_METRICS, METRICS
    from imagehear.profiles import PROFILES

    parser = argparse.ArgumentParser(prog="image-hear", description="IMAGE HEAR benchmark toolkit "
                                     "(image-to-audio generation, 30 classes, 100 images).")
    from imagehear import __version__

    parser.add_argument("--version", action="version", version=f"image-hear {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("plan", help="write the generation plan (manifest.csv) for a model to fill")
    p.add_argument("--out", required=True, help="folder for manifest.csv and README.txt")
    p.add_argument("--per-class", type=int, default=120, help="clips per class (protocol v1: 120)")
    p.set_defaults(func=_cmd_plan)

    p = sub.add_parser("check", help="validate a generated folder against its manifest")
    p.add_argument("generated_dir")
    p.add_argument("--json", action="store_true", help="machine-readable report")
    p.add_argument("--min-seconds", type=float, default=1.0, help="shorter clips are reported (default 1.0)")
    p.set_defaults(func=_cmd_check)

    p = sub.add_parser("dataset", help="export IMAGE HEAR in its Hub form (Parquet + README.md card)")
    p.add_argument("--out", required=True)
    p.add_argument("--source", help="base URL or local folder with the images (default: pinned GitHub "
                   "commit; also IMAGEHEAR_SOURCE)")
    p.add_argument("--cache-dir", help="where downloaded images are kept")
    p.set_defaults(func=_cmd_dataset)

    p = sub.add_parser("evaluate", help="score a generated folder: every metric, one results.json")
    p.add_argument("generated_dir")
    p.add_argument("--reference-dir", help="reference audio, paired by relative path without extension "
                   "(enables KL, FAD, KAD)")
    p.add_argument("--metrics", help=f"comma-separated subset of {', '.join(METRICS)} (default: "
                   f"{', '.join(DEFAULT_METRICS)}, those needing reference audio only with --reference-dir)")
    p.add_argument("--out", default=None, help="results file (default GENERATED_DIR/results.json)")
    p.add_argument("--weights-dir", help="folder with upstream weight files (also IMAGEHEAR_WEIGHTS)")
    p.add_argument("--device", default="auto", help="cpu, cuda, cuda:1, mps or auto (default)")
    p.add_argument("--batch-size", type=int, default=None, help="clips per forward pass (default: 1 on CPU, "
                   "where it is fastest, 16 on GPUs)")
    p.add_argument("--cache-dir", help="embedding cache (default ~/.cache/imagehear/embeddings)")
    p.add_argument("--source", help="dataset image source (see `image-hear dataset --help`)")
    p.add_argument("--model-name", default=None, help="name shown in results and on the leaderboard")
    p.add_argument("--skip-invalid", action="store_true", help="score the valid clips, record the rest")
    p.add_argument("--pad-to-10s", action="store_true", help="zero-pad PaSST input shorter than 10 s (longer "
                   "clips keep the 10 s windows; --compat av-benchmark pads and crops to exactly 10 s)")
    p.add_argument("--compat", default="protocol-v1", choices=list(PROFILES),
                   help="evaluation profile: protocol-v1 (default) or av-benchmark (reproduces "
                   "github.com/hkchengrex/av-benchmark's numbers; see docs/av_benchmark.md)")
    p.add_argument("--audio-length", type=float, default=None, metavar="SECONDS",
                   help="crop every clip (generated and reference) to this many seconds, never pad "
                   "(av-benchmark's --audio_length; MMAudio uses 8)")
    p.add_argument("--frames", type=_frames_arg, default=DEFAULT_FRAMES, metavar="N|all",
                   help=f"frames CLIP scores per video row (default {DEFAULT_FRAMES}): the centre frame of each "
                   "of N equal segments, frame index floor((k + 1/2) * M / N) of M; 'all': every frame "
                   "(frames folders are always used whole)")
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    p.add_argument("--precision", default="fp32", choices=["fp32", "bf16", "fp16"],
                   help="inference precision (reduced precision is opt-in; its deviation is documented)")
    p.add_argument("--paper", help="paper URL recorded with the model")
    p.add_argument("--code", help="code URL recorded with the model")
    p.set_defaults(func=_cmd_evaluate)

    p = sub.add_parser("compare", help="model against model: B - A per metric, paired by manifest row")
    p.add_argument("a", help="results.json of run A")
    p.add_argument("b", help="results.json of run B (same plan, protocol, profile and weights)")
    p.add_argument("--json", action="store_true", help="machine-readable: {metrics: {name: {difference, ci95, "
                   "p_value, verdict}}}")
    p.add_argument("--metrics", help="comma-separated subset (default: every metric in both files)")
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    p.add_argument("--n-resamples", type=int, default=1000, help="bootstrap resamples (per-sample metrics)")
    p.add_argument("--reference-dir", help="also compare FAD, FD and KAD: the reference audio both runs used "
                   "(embeddings come from the cache, or are computed)")
    p.add_argument("--generated", nargs=2, metavar=("A_DIR", "B_DIR"), help="the runs' generated folders "
                   "(default: the folders of the two results files)")
    p.add_argument("--weights-dir", help="as for evaluate (only with --reference-dir)")
    p.add_argument("--cache-dir", help="embedding cache, as for evaluate")
    p.add_argument("--device", default="auto", help="as for evaluate")
    p.set_defaults(func=_cmd_compare)

    p = sub.add_parser("leaderboard", help="run the leaderboard app locally")
    p.add_argument("--results", default="results", help="folder of results.json files")
    p.add_argument("--port", type=int, default=7860)
    p.add_argument("--host", default="127.0.0.1")
    p.set_defaults(func=_cmd_leaderboard)

    p = sub.add_parser("publish", help="stage the Hub release (dataset, Spaces, wheel) and optionally push it")
    p.add_argument("--stage", required=True, metavar="DIR", help="folder to write the release into (new, empty "
                   "or an earlier stage)")
    p.add_argument("--push", action="store_true", help="upload the staged repos with huggingface_hub")
    p.add_argument("--token", help="Hub write token for --push (default: HF_TOKEN)")
    p.add_argument("--dry-run", action="store_true", help="upload nothing; print the repo ids, files and sizes")
    p.add_argument("--namespace", default="imagehear", help="Hub user or organisation (default %(default)s)")
    p.add_argument("--source", help="dataset image source (see `image-hear dataset --help`)")
    p.add_argument("--cache-dir", help="where downloaded images are kept")
    p.add_argument("--repo", help="checkout to release (default: the one holding this package)")
    p.set_defaults(func=_cmd_publish)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ImageHearError as exc:
        print(f"image-hear {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"image-hear {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
