"""``image-hear``: the command line. Parse, validate every value, call :mod:`imagehear.cli.commands`.

One rule for every command: a user mistake prints one line that names the option, file or
folder and the fix, and exits 2 (a bad option value, a missing path, an unavailable device)
or 1 (bad data: unreadable audio, a corrupt or missing weight file, a failed check). A
traceback means a bug in image-hear; it comes with a line asking to report it (exit 3).
Imports happen inside each command, so ``image-hear --help`` loads no model and no network.
"""
from __future__ import annotations

import argparse
import sys

from imagehear.errors import ImageHearError, UsageError
from imagehear.evaluation import arguments
from imagehear.models.devices import PRECISIONS

ISSUES_URL = "https://github.com/imagehear/image-hear/issues"
ENVIRONMENT = """environment variables:
  IMAGEHEAR_OFFLINE=1   never download (also HF_HUB_OFFLINE=1): missing weights or images are errors
  IMAGEHEAR_WEIGHTS     folder of upstream weight files (as --weights-dir)
  IMAGEHEAR_SOURCE      base URL or folder of the IMAGE HEAR images (as --source)
  IMAGEHEAR_CACHE       cache root (images, embeddings, checksums; default ~/.cache/imagehear)

exit codes: 0 ok, 1 bad data or a failed check, 2 bad usage, 3 a bug in image-hear (please report)"""


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line naming the option and where to read more."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def _typed(check, what: str):
    """An argparse ``type=`` from a validator: its one-line UsageError becomes argparse's message."""
    def convert(value):
        try:
            return check(value)
        except UsageError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    convert.__name__ = what
    return convert


FOLDER = _typed(arguments.existing_dir, "folder")
FILE = _typed(arguments.existing_file, "file")
OUT_DIR = _typed(arguments.writable_dir, "folder")
COUNT = _typed(arguments.positive_int, "count")
SEED = _typed(arguments.seed, "seed")
SECONDS = _typed(arguments.positive_seconds, "seconds")
DEVICE = _typed(arguments.device, "device")
METRICS = _typed(arguments.metric_list, "metrics")
SOURCE = _typed(arguments.image_source, "source")
URL = _typed(arguments.url, "url")
TEXT = _typed(arguments.text, "text")
CLASSES = _typed(arguments.class_list, "classes")
MODEL_ARG = _typed(arguments.model_arg, "KEY=VALUE")


def _frames(value):
    from imagehear.embed.frames import parse_frames

    return _typed(parse_frames, "frames")(value)


def _add_evaluate(sub, defaults) -> None:
    frames, default_metrics, metric_names, profiles = defaults
    p = sub.add_parser("evaluate", help="score a generated folder: every metric, one results.json",
                       epilog=ENVIRONMENT, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("generated_dir", type=FOLDER, help="the generated folder: manifest.csv and the clips it lists")
    p.add_argument("--reference-dir", type=FOLDER, help="reference audio, paired by relative path without "
                   "extension (enables KL, FAD, FD, KAD)")
    p.add_argument("--metrics", type=METRICS, help=f"comma-separated subset of: {', '.join(metric_names)}; 'all'; "
                   f"or +NAME,... to add opt-in metrics to the default ({', '.join(default_metrics)}; those needing "
                   "reference audio only with --reference-dir, unless named)")
    p.add_argument("--out", type=_typed(arguments.results_path, "json"), default=None,
                   help="results file (default GENERATED_DIR/results.json); its per-sample CSV and plots are "
                   "named after it (NAME.per_sample.csv, NAME.<metric>_per_class.pdf/.svg/.png)")
    p.add_argument("--force", action="store_true", help="replace a results file that holds a metric this run "
                   "does not compute (without it such a run is refused; the same metrics, or more, just rewrite it)")
    p.add_argument("--summary", type=_typed(arguments.markdown_path, "md"), default=None, metavar="FILE.md",
                   help="also write the summary as a Markdown table (the terminal shows it as plain text)")
    p.add_argument("--weights-dir", type=FOLDER, help="folder with upstream weight files (also IMAGEHEAR_WEIGHTS)")
    p.add_argument("--device", type=DEVICE, default="auto", help=f"{arguments.DEVICE_FORMS} (default auto)")
    p.add_argument("--batch-size", type=COUNT, default=None, help="clips per forward pass (default: 1 on CPU, "
                   "where it is fastest, 16 on GPUs)")
    p.add_argument("--cache-dir", type=OUT_DIR, help="embedding cache (default ~/.cache/imagehear/embeddings)")
    p.add_argument("--source", type=SOURCE, help="IMAGE HEAR image source: base URL or folder (also "
                   "IMAGEHEAR_SOURCE; default: a local copy beside the checkout, else the pinned GitHub commit)")
    p.add_argument("--model-name", type=TEXT, default=None, help="name shown in results and on the leaderboard")
    p.add_argument("--skip-invalid", action="store_true", help="score the valid clips, list the rest (the run is "
                   "then incomplete and never ranked)")
    p.add_argument("--pad-to-10s", action="store_true", help="zero-pad PaSST input shorter than 10 s (longer "
                   "clips keep the 10 s windows; --compat av-benchmark pads and crops to exactly 10 s)")
    p.add_argument("--compat", default="protocol-v1", choices=list(profiles),
                   help="evaluation profile: protocol-v1 (default), av-benchmark (reproduces "
                   "github.com/hkchengrex/av-benchmark's numbers; see docs/av_benchmark.md) or ssv2a "
                   "(SSV2A's CS: --metrics clip_score; see docs/published.md)")
    p.add_argument("--audio-length", type=SECONDS, default=None, metavar="SECONDS",
                   help="crop every clip (generated and reference) to this many seconds, never pad "
                   "(av-benchmark's --audio_length; MMAudio uses 8)")
    p.add_argument("--frames", type=_frames, default=frames, metavar="N|all",
                   help=f"frames CLIP scores per video row (default {frames}): the centre frame of each "
                   "of N equal segments, frame index floor((k + 1/2) * M / N) of M; 'all': every frame "
                   "(frames folders are always used whole)")
    p.add_argument("--seed", type=SEED, default=0, help="bootstrap seed (default 0)")
    p.add_argument("--precision", default="fp32", choices=PRECISIONS,
                   help="inference precision (reduced precision is opt-in and never ranked)")
    p.add_argument("--paper", type=URL, help="paper URL recorded with the model")
    p.add_argument("--code", type=URL, help="code URL recorded with the model")


def _add_generate(sub) -> None:
    p = sub.add_parser("generate", help="run your image-to-audio model over the plan: the clips, resumable, sharded",
                       epilog=ENVIRONMENT, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", type=TEXT, help="path/to/file.py:NAME or package.module:NAME: a callable "
                   "NAME(images, labels, seeds) -> one 1-D float waveform per row, with a sample_rate attribute, "
                   "or a factory returning one (called with the --model-arg values)")
    p.add_argument("--out", required=True, type=OUT_DIR, help="the generated folder: manifest.csv (written when "
                   "absent), the clips, generation.json")
    p.add_argument("--classes", type=CLASSES, help="only these classes (comma-separated; a subset plan, never "
                   "ranked; only for a folder without manifest.csv)")
    p.add_argument("--per-class", type=COUNT, default=None, help="clips per class (default 120, the protocol's)")
    p.add_argument("--seed", type=SEED, default=0, help="run seed; each row's seed is derived from it and the "
                   "row's file name (default 0)")
    p.add_argument("--batch-size", type=COUNT, default=8, help="rows per model call (default 8)")
    p.add_argument("--device", type=DEVICE, default="auto", help=f"{arguments.DEVICE_FORMS}, given to a factory "
                   "that takes `device` (default auto)")
    p.add_argument("--shard", type=_typed(arguments.shard, "shard"), default=None, metavar="I/N",
                   help="this process's share: rows I, I+N, I+2N, ... (0 <= I < N); under `accelerate launch` "
                   "the shards come from its environment")
    p.add_argument("--source", type=SOURCE, help="IMAGE HEAR image source (as for evaluate)")
    p.add_argument("--model-arg", action="append", default=[], metavar="KEY=VALUE", type=MODEL_ARG,
                   help="passed to the factory as KEY=VALUE (JSON values: numbers, true/false; else text); repeat")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def _add_compare(sub) -> None:
    p = sub.add_parser("compare", help="model against model: B - A per metric, paired by manifest row")
    p.add_argument("a", type=FILE, help="results.json of run A")
    p.add_argument("b", type=FILE, help="results.json of run B (same plan, protocol, profile and weights)")
    p.add_argument("--json", action="store_true", help="machine-readable: {metrics: {name: {difference, ci95, "
                   "p_value, verdict}}}")
    p.add_argument("--metrics", type=METRICS, help="comma-separated subset (default: every metric in both files)")
    p.add_argument("--seed", type=SEED, default=0, help="bootstrap seed (default 0)")
    p.add_argument("--n-resamples", type=COUNT, default=1000, help="bootstrap resamples (per-sample metrics)")
    p.add_argument("--reference-dir", type=FOLDER, help="also compare FAD, FD and KAD: the reference audio both "
                   "runs used (embeddings come from the cache, or are computed)")
    p.add_argument("--generated", type=FOLDER, nargs=2, metavar=("A_DIR", "B_DIR"), help="the runs' generated "
                   "folders (default: the folders of the two results files)")
    p.add_argument("--weights-dir", type=FOLDER, help="as for evaluate (only with --reference-dir)")
    p.add_argument("--cache-dir", type=OUT_DIR, help="embedding cache, as for evaluate")
    p.add_argument("--device", type=DEVICE, default="auto", help="as for evaluate")
    p.add_argument("--summary", type=_typed(arguments.markdown_path, "md"), default=None, metavar="FILE.md",
                   help="also write the comparison as a Markdown table (the terminal shows it as plain text)")


def _add_table(sub) -> None:
    p = sub.add_parser("table", help="a paper table of one or more runs' headlines: CSV, or LaTeX (booktabs)")
    p.add_argument("results", type=FILE, nargs="+", help="results.json files, one row each")
    p.add_argument("--latex", action="store_true", help="a booktabs LaTeX table (default: CSV); the caption "
                   "names protocol, profile, image set and CI method")
    p.add_argument("--out", type=_typed(arguments.table_path, "file"), help="write to this .tex or .csv file "
                   "(its suffix picks the format) instead of the terminal")


def _add_publish(sub) -> None:
    p = sub.add_parser("publish", help="stage the Hub release (dataset, Spaces, wheel) and optionally push it")
    p.add_argument("--stage", required=True, type=OUT_DIR, metavar="DIR", help="folder to write the release "
                   "into (new, empty or an earlier stage)")
    p.add_argument("--push", action="store_true", help="upload the staged repos with huggingface_hub")
    p.add_argument("--token", type=TEXT, help="Hub write token for --push (default: HF_TOKEN)")
    p.add_argument("--dry-run", action="store_true", help="upload nothing; print the repo ids, files and sizes")
    p.add_argument("--namespace", type=TEXT, default="imagehear", help="Hub user or organisation "
                   "(default %(default)s)")
    p.add_argument("--source", type=SOURCE, help="dataset image source (see `image-hear dataset --help`)")
    p.add_argument("--cache-dir", type=OUT_DIR, help="where downloaded images are kept")
    p.add_argument("--repo", type=FOLDER, help="checkout to release (default: the one holding this package)")


def _add_export_hub(sub) -> None:
    p = sub.add_parser("export-hub", help="a results file as the Hub's .eval_results of a model repo (and a PR)")
    p.add_argument("results", type=FILE, help="results.json written by `image-hear evaluate`")
    p.add_argument("--model-repo", required=True, type=_typed(arguments.repo_id, "repo"), metavar="ORG/MODEL",
                   help="the Hub model repo the scores belong to")
    p.add_argument("--out", type=OUT_DIR, default=".", help="folder to write .eval_results/image_hear*.yaml "
                   "into (default: the current folder, e.g. a clone of the model repo)")
    p.add_argument("--push", action="store_true", help="open a pull request with the file on the model repo")
    p.add_argument("--token", type=TEXT, help="Hub write token for --push (default: HF_TOKEN)")
    p.add_argument("--unranked", action="store_true", help="export a file the leaderboard would not rank (its "
                   "notes then say so and why)")
_IMAGE_SET_HELP = ("im2wav (default: protocol v1, the listing's 100 images) or v2a-mapper (all 101 files of "
                   "Im2Wav's folder, people4.jpg in People, as V2A-Mapper scored; a separate comparability group)")


def build_parser() -> argparse.ArgumentParser:
    from imagehear import __version__
    from imagehear.embed.frames import DEFAULT_FRAMES
    from imagehear.metrics import DEFAULT_METRICS
    from imagehear.metrics import METRICS as REGISTRY
    from imagehear.protocol import IMAGE_SETS
    from imagehear.protocol.profiles import PROFILES

    parser = OneLineParser(prog="image-hear", description="IMAGE HEAR benchmark toolkit (image-to-audio "
                           "generation, 30 classes, 100 images).", epilog=ENVIRONMENT,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"image-hear {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("plan", help="write the generation plan (manifest.csv) for a model to fill")
    p.add_argument("--out", required=True, type=OUT_DIR, help="folder for manifest.csv and README.txt")
    p.add_argument("--per-class", type=COUNT, default=120, help="clips per class (protocol v1: 120)")
    p.add_argument("--classes", type=CLASSES, help="comma-separated subset of classes, e.g. Dog,Piano (a smoke "
                   "test; never ranked)")
    p.add_argument("--force", action="store_true", help="overwrite an existing manifest.csv")
    p.add_argument("--image-set", default="im2wav", choices=list(IMAGE_SETS), help=_IMAGE_SET_HELP)

    _add_generate(sub)

    p = sub.add_parser("check", help="validate a generated folder against its manifest")
    p.add_argument("generated_dir", type=FOLDER, help="the generated folder (holding manifest.csv)")
    p.add_argument("--json", action="store_true", help="machine-readable report")
    p.add_argument("--min-seconds", type=SECONDS, default=1.0, help="shorter clips are errors (default 1.0)")

    p = sub.add_parser("dataset", help="export IMAGE HEAR in its Hub form (Parquet + README.md card)")
    p.add_argument("--out", required=True, type=OUT_DIR, help="folder to write the Parquet file and card into")
    p.add_argument("--source", type=SOURCE, help="base URL or local folder with the images (default: a local "
                   "copy beside the checkout, else the pinned GitHub commit; also IMAGEHEAR_SOURCE)")
    p.add_argument("--cache-dir", type=OUT_DIR, help="where downloaded images are kept")
    p.add_argument("--image-set", default="im2wav", choices=list(IMAGE_SETS), help=_IMAGE_SET_HELP)

    _add_evaluate(sub, (DEFAULT_FRAMES, DEFAULT_METRICS, list(REGISTRY), PROFILES))
    _add_compare(sub)
    _add_table(sub)

    p = sub.add_parser("leaderboard", help="run the leaderboard app locally")
    p.add_argument("--results", type=FOLDER, default=None, help="folder of results.json files (default "
                   "./results; a missing default folder is an empty board)")
    p.add_argument("--port", type=_typed(arguments.port, "port"), default=7860, help="TCP port (default 7860)")
    p.add_argument("--host", type=TEXT, default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    p.add_argument("--check", type=FILE, metavar="RESULTS_JSON", help="do not serve: say whether the leaderboard "
                   "would rank this file (exit 0) or list every reason it would not (exit 1)")

    _add_publish(sub)
    _add_export_hub(sub)
    return parser


def main(argv=None) -> int:
    from imagehear.cli import commands

    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a one-line usage error: main() always returns the code
        return int(exc.code or 0)
    command = f"image-hear {args.command}"
    try:
        return getattr(commands, args.command.replace("-", "_"))(args)
    except UsageError as exc:
        print(f"{command}: error: {exc}", file=sys.stderr)
        return 2
    except ImageHearError as exc:
        print(f"{command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{command}: interrupted", file=sys.stderr)
        return 130
    except Exception:  # noqa: BLE001 - our own bug: show it, and ask for a report
        import traceback

        traceback.print_exc()
        print(f"{command}: internal error: this is a bug in image-hear, not in your input; please report it "
              f"with the traceback above at {ISSUES_URL}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
