"""What each ``image-hear`` command does once its arguments are parsed and validated.

Thin: each handler calls the library and prints. Errors travel as
:class:`~imagehear.errors.ImageHearError` to :func:`imagehear.cli.main`, which prints one line
and exits 2 for a usage mistake (:class:`~imagehear.errors.UsageError`) or 1 for bad data.
"""
from __future__ import annotations

import json
import os
import sys
import warnings
from pathlib import Path

from imagehear.errors import UsageError


def plan(args) -> int:
    from imagehear import protocol
    from imagehear.protocol.plan import write_plan

    manifest = Path(args.out) / "manifest.csv"
    if manifest.exists() and not args.force:
        raise UsageError(f"{manifest} already exists (perhaps edited); pass --force to overwrite it, "
                         "or choose another --out")
    path = write_plan(args.out, per_class=args.per_class, classes=args.classes, image_set=args.image_set)
    n = len(args.classes or protocol.CLASS_NAMES)
    subset = " (a subset of the plan)" if n < len(protocol.CLASS_NAMES) or args.per_class < 120 else ""
    print(f"wrote {path} ({args.per_class * n} clips, {n} classes x {args.per_class}, image set {args.image_set}){subset}")
    return 0


def generate(args) -> int:
    """Exit 0 when every row has its clip; 1 (one line per failed row) when the model failed on some."""
    from imagehear.evaluation.arguments import available_device
    from imagehear.generation import GenerationError, GenerationWarning
    from imagehear.generation import generate as run
    from imagehear.generation.loading import parse_model_args

    available_device(args.device)  # before any work: --device cuda on a machine without one
    with warnings.catch_warnings():  # ours as one line each; any other warning shows as it would
        warnings.simplefilter("always", GenerationWarning)
        show = warnings.showwarning

        def one_line(message, category, *rest, **kwargs):
            if issubclass(category, GenerationWarning):
                print(f"image-hear generate: warning: {message}", file=sys.stderr)
            else:
                show(message, category, *rest, **kwargs)

        warnings.showwarning = one_line
        try:
            record = run(args.model, args.out, classes=args.classes, per_class=args.per_class, seed=args.seed,
                         batch_size=args.batch_size, device=args.device, shard=args.shard, source=args.source,
                         model_args=parse_model_args(args.model_arg), progress=not args.quiet)
        except GenerationError as exc:  # one line per failed row, each naming its file and image
            for line in str(exc).splitlines():
                print(f"image-hear generate: error: {line}", file=sys.stderr)
            return 1
    if int(os.environ.get("RANK", "0") or 0) != 0:  # under accelerate launch, process 0 reports
        return 0
    run_ = record["runs"][-1]
    speed = f", {run_['seconds_per_clip']:.3f} s per clip" if run_["seconds_per_clip"] else ""
    print(f"{run_['written']} clip(s) written, {run_['pending'] - run_['written']} failed, "
          f"{record['clips']['on_disk']} of {record['clips']['listed']} on disk ({record['status']}){speed}; "
          f"next: image-hear check {args.out}")
    return 0


def check(args) -> int:
    from imagehear.evaluation.check import check_generated

    report = check_generated(args.generated_dir, min_seconds=args.min_seconds)
    print(json.dumps(report.to_dict(), indent=1) if args.json else report.text())
    return 0 if report.ok else 1


def dataset(args) -> int:
    from imagehear.io.dataset import export_hub_folder

    out = export_hub_folder(args.out, source=args.source, cache_dir=args.cache_dir, image_set=args.image_set)
    print(f"wrote the Hub form of IMAGE HEAR to {out}; load it with datasets.load_dataset({str(out)!r})")
    return 0


def evaluate(args) -> int:
    from imagehear.evaluation.arguments import available_device
    from imagehear.evaluation.pipeline import select_metrics
    from imagehear.evaluation.suite import Options, evaluate_generated
    from imagehear.protocol.profiles import profile
    from imagehear.report.outputs import check_overwrite, write_run
    from imagehear.report.summary import markdown_summary, text_summary

    available_device(args.device)  # before any work: --device cuda on a machine without one
    out = Path(args.out) if args.out else Path(args.generated_dir) / "results.json"
    check_overwrite(out, select_metrics(args.metrics, args.reference_dir is not None), args.force)
    options = Options(weights_dir=args.weights_dir, device=args.device, batch_size=args.batch_size,
                      cache_dir=args.cache_dir, source=args.source, pad_to_10s=args.pad_to_10s, seed=args.seed,
                      precision=args.precision, model={"name": args.model_name, "paper": args.paper,
                                                       "code": args.code},
                      profile=profile(args.compat, args.audio_length), video_frames=args.frames)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ours are printed below, one line each, from results["warnings"]
        results, per_sample = evaluate_generated(args.generated_dir, args.reference_dir, args.metrics,
                                                 skip_invalid=args.skip_invalid, options=options)
    if not options.shard.is_main:  # under accelerate launch, one process reports
        return 0
    # our own warnings (few samples for FD, random weights, ...): in the results, and on the terminal
    for note in results["warnings"]:
        print(f"image-hear evaluate: warning: {note}", file=sys.stderr)
    written = write_run(results, per_sample, out)
    print(text_summary(results))
    summary = ""
    if args.summary:  # Markdown (escaped user strings) belongs in a file, not on the terminal
        _write_markdown(args.summary, markdown_summary(results))
        summary = f", {args.summary}"
    print(f"\nwrote {written[0]}, {written[1]}{summary} and {len(written) - 2} figure file(s) named {out.stem}.*")
    failed = [name for name, entry in results["metrics"].items() if "error" in entry]
    for name in failed:
        print(f"image-hear evaluate: error: {name} failed: {results['metrics'][name]['error']} "
              "(the other metrics are in the results file)", file=sys.stderr)
    return 1 if failed else 0


def compare(args) -> int:
    """Exit 0 with the comparison; 1 (one line) when the files cannot be compared."""
    from imagehear.report import compare as comparing

    a, b = comparing.load_results(args.a), comparing.load_results(args.b)
    if args.metrics is not None and not args.metrics.explicit:  # --metrics all: every metric in both files
        args.metrics = None
    embeddings = None
    if args.reference_dir:
        from imagehear.evaluation.arguments import available_device
        from imagehear.evaluation.pipeline import Options

        available_device(args.device)
        dirs = args.generated or [Path(args.a).parent, Path(args.b).parent]
        options = Options(weights_dir=args.weights_dir, device=args.device, cache_dir=args.cache_dir, progress=False)
        embeddings = comparing.both_embeddings(a, b, dirs, args.reference_dir, options, args.metrics,
                                               dirs_given=bool(args.generated))
    result = comparing.compare(a, b, metrics=list(args.metrics) if args.metrics else None, seed=args.seed,
                               n_resamples=args.n_resamples, embeddings=embeddings)
    print(json.dumps(result, indent=1) if args.json else comparing.text(result))
    if args.summary:
        _write_markdown(args.summary, comparing.markdown(result))
    return 0


def table(args) -> int:
    """Print (or write to --out) the runs' headlines as CSV or, with --latex or a .tex --out, LaTeX."""
    from imagehear.report import paper_table
    from imagehear.report.compare import load_results

    latex = args.latex or (args.out is not None and args.out.suffix.lower() == ".tex")
    if args.latex and args.out is not None and args.out.suffix.lower() != ".tex":
        raise UsageError(f"--out {args.out}: --latex writes LaTeX; name a .tex file (or drop --latex for CSV)")
    runs = [(str(path), load_results(path)) for path in args.results]
    for note in paper_table.mismatches(runs):
        print(f"image-hear table: warning: {note}", file=sys.stderr)
    text = paper_table.latex_table(runs) if latex else paper_table.csv_table(runs)
    if args.out is None:
        print(text.rstrip("\n"))
        return 0
    from imagehear.io.atomic import atomic_write

    with atomic_write(args.out, encoding="utf-8") as fh:
        fh.write(text.rstrip("\n") + "\n")
    print(f"wrote {args.out} ({len(runs)} run(s), {'LaTeX' if latex else 'CSV'})")
    return 0


def leaderboard(args) -> int:
    if args.check:  # the pre-flight the Space, export-hub and the Hub join apply
        from imagehear.leaderboard.preflight import check_file

        verdict = check_file(args.check)
        print("\n".join(verdict.lines(str(args.check))))
        return 0 if verdict.ranked else 1
    from imagehear.leaderboard.app import launch

    launch(results_dir=args.results or "results", port=args.port, host=args.host)
    return 0


def export_hub(args) -> int:
    from imagehear.publish.eval_results import export_hub as export

    print(export(args.results, args.model_repo, out=args.out, unranked=args.unranked, push=args.push,
                 token=args.token))
    return 0


def publish(args) -> int:
    from imagehear.publish.command import publish as run_publish

    print(run_publish(args.stage, push=args.push, token=args.token, dry_run=args.dry_run, source=args.source,
                      cache_dir=args.cache_dir, namespace=args.namespace, repo=args.repo))
    return 0


def _write_markdown(path, text: str) -> None:
    from imagehear.io.atomic import atomic_write

    with atomic_write(path, encoding="utf-8") as fh:
        fh.write(text + "\n")
