"""Benchmark (issue 6): `image-hear evaluate` against the naive upstream way, in one run.

    python scripts/bench.py                       # N=64 10 s clips, everything (slow on CPU)
    python scripts/bench.py --n 4 --seconds 2 --skip-fd --out /tmp/b.json   # smoke run
    python scripts/bench.py --scaling 16,64,256 --scaling-seconds 2

Builds (in --workdir) a generated set of N clips laid out per the protocol's generation plan
(first N rows of a per-class plan, spread over the classes, with manifest.csv), a reference
set with the same relative paths, and full-size randomly initialised backbones (same FLOPs
as the released ones). Each measured run is a child process (honest peak RSS; timings start
after `import torch`):
  (a) naive: upstream packages clip by clip (scripts/bench_naive.py);
  (b) cold:  image-hear evaluate GEN --reference-dir REF, empty embedding cache;
  (c) warm:  the same again, cache filled;
  (d) add:   the cached run plus one metric: `kad` (its PaSST embeddings are cached) and
             `clap_score` (a backbone not run yet: only CLAP may run); then `fd_passt,is_passt`
             (PaSST cached: no forward) and the PANNs metrics (only PANNs runs: its cost per clip).
(b)-(d) use the naive set's metrics (clip_score, accuracy, kl, fad): fp32 parity.
"Forwards" are counted as new embedding-cache entries per backbone.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_naive import build_sets, ensure_weights, markdown, write_readme  # noqa: E402
PARITY = "clip_score,accuracy,kl,fad"
# cProfile'd functions reported per stage: (stage, file suffix, function name)
STAGES = [("weights_hashing", "imagehear/io/download.py", "sha256_file"),
          ("model_load", "imagehear/models/__init__.py", "load_backbone"),
          ("check_clips", "imagehear/evaluation/check.py", "check_generated"),
          ("fetch_images", "imagehear/io/dataset.py", "fetch_images"),
          ("audio_hash", "imagehear/embed/engine.py", "content_hash"),
          ("audio_decode", "imagehear/embed/engine.py", "__getitem__"),
          ("cache_read", "imagehear/embed/engine.py", "get"),
          ("cache_write", "imagehear/embed/engine.py", "put"),
          ("extract_total", "imagehear/embed/engine.py", "extract"),
          ("forward_passt", "imagehear/models/passt.py", "__call__"),
          ("forward_wav2clip", "imagehear/models/wav2clip.py", "__call__"),
          ("forward_vggish", "imagehear/models/vggish.py", "__call__"),
          ("forward_clap", "imagehear/models/clap.py", "__call__"),
          ("forward_panns", "imagehear/models/panns.py", "__call__"),
          ("forward_clip_images", "imagehear/models/clip.py", "embed_images"),
          ("forward_clap_text", "imagehear/models/clap.py", "embed_text"),
          ("scores_bootstrap", "imagehear/metrics/compute.py", "*_entry"),
          ("plots", "imagehear/report/plots.py", "write_plots"),
          ("evaluate_total", "imagehear/evaluation/suite.py", "evaluate_generated")]


# ---------------------------------------------------------------- child phases
def _profile_stages(profiler) -> dict:
    import fnmatch
    import pstats

    stats = pstats.Stats(profiler).stats
    out = {}
    for stage, suffix, func in STAGES:
        total = sum(v[3] for (fname, _, name), v in stats.items()
                    if fname.endswith(suffix) and fnmatch.fnmatchcase(name, func))
        calls = sum(v[1] for (fname, _, name), v in stats.items()
                    if fname.endswith(suffix) and fnmatch.fnmatchcase(name, func))
        if calls:
            out[stage] = {"seconds": round(total, 3), "calls": calls}
    return out


def _cache_counts(cache_dir: Path) -> dict:
    if not cache_dir.is_dir():
        return {}
    return {d.name: sum(1 for _ in d.rglob("*.npz")) for d in sorted(cache_dir.iterdir()) if d.is_dir()}


def child(phase: str, args: dict) -> dict:
    import resource

    import torch

    record = {"torch_threads": torch.get_num_threads(), "load_before": os.getloadavg()[0]}
    start = time.perf_counter()
    if phase == "naive":
        from bench_naive import run_naive

        record.update(run_naive(Path(args["gen"]), Path(args["ref"]), Path(args["weights"]), Path(args["source"]),
                                Path(args["work"])))
    elif phase == "suite":
        import cProfile

        from imagehear.cli import main

        cache = Path(args["cache"])
        before = _cache_counts(cache)
        argv = ["evaluate", args["gen"], "--reference-dir", args["ref"], "--weights-dir", args["weights"],
                "--cache-dir", str(cache), "--source", args["source"], "--metrics", args["metrics"],
                "--out", args["out"], "--device", args["device"], "--precision", args["precision"]]
        if args["batch_size"]:
            argv += ["--batch-size", str(args["batch_size"])]
        profiler = cProfile.Profile()
        with open(os.devnull, "w") as devnull:
            saved, sys.stdout = sys.stdout, devnull
            try:
                rc = profiler.runcall(main, argv)
            finally:
                sys.stdout = saved
        if rc != 0:
            raise SystemExit(f"image-hear evaluate failed with exit code {rc}")
        after = _cache_counts(cache)
        record["new_cache_entries"] = {k: v - before.get(k, 0) for k, v in after.items() if v - before.get(k, 0)}
        record["stages"] = _profile_stages(profiler)
        results = json.loads(Path(args["out"]).read_text())
        record["scores"] = {k: v.get("value") for k, v in results["metrics"].items()}
        if args.get("profile_out"):
            profiler.dump_stats(args["profile_out"])
    elif phase == "flops":
        from bench_naive import count_passt_flops

        record["flops"] = count_passt_flops(Path(args["weights"]), args["seconds"], Path(args["work"]))
    elif phase == "fd":
        from bench_naive import time_frechet

        record["fd"] = time_frechet(dim=args["dim"])
    record["seconds"] = time.perf_counter() - start
    record["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    record["load_after"] = os.getloadavg()[0]
    return record


def run_child(phase: str, args: dict, tmp: Path, extra_env: dict | None = None) -> dict:
    out = tmp / f"phase-{phase}-{time.time_ns()}.json"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--phase", phase, "--phase-args", json.dumps(args),
           "--phase-out", str(out)]
    env = dict(os.environ, IMAGEHEAR_OFFLINE="1", HF_HUB_OFFLINE="1", IMAGEHEAR_CACHE=str(tmp / "imagehear_cache"),
               TQDM_DISABLE="1", PYTHONWARNINGS="ignore", **(extra_env or {}))
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"bench phase {phase} failed:\n{proc.stderr[-3000:]}")
    record = json.loads(out.read_text())
    record["process_seconds"] = time.perf_counter() - start
    return record


# ---------------------------------------------------------------- orchestration
def machine() -> dict:
    import torch

    model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
                 platform.processor()) if os.path.exists("/proc/cpuinfo") else platform.processor()
    return {"cpu": model, "cores": os.cpu_count(), "torch": torch.__version__, "torch_threads": torch.get_num_threads(),
            "python": platform.python_version(), "platform": platform.platform()}


def measure_size(opts, n: int, seconds: float, add_metrics: bool, log) -> dict:
    gen, ref = build_sets(opts.workdir / "data", n, seconds)
    tmp = opts.workdir / "runs" / f"n{n}_s{seconds:g}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    common = {"gen": str(gen), "ref": str(ref), "weights": str(opts.weights_dir), "source": str(opts.source),
              "work": str(opts.workdir)}
    suite = dict(common, cache=str(tmp / "cache"), batch_size=opts.batch_size, device=opts.device,
                 precision=opts.precision)
    out = {"n": n, "seconds_per_clip": seconds}
    if not opts.skip_naive and n <= opts.naive_max_n:
        log(f"N={n}: naive upstream ...")
        out["naive"] = run_child("naive", common, tmp)
    runs = [("cold", PARITY), ("warm", PARITY)]
    if add_metrics:
        runs += [("add_kad", PARITY + ",kad"), ("add_clap_score", PARITY + ",clap_score"),
                 ("add_fd_is_passt", PARITY + ",fd_passt,is_passt"),
                 ("add_panns", PARITY + ",fd_passt,is_passt,fd_panns,kl_panns,is_panns")]
    for name, metrics in runs:
        log(f"N={n}: {name} ({metrics}) ...")
        out[name] = run_child("suite", dict(suite, metrics=metrics, out=str(tmp / f"{name}.json"),
                                            profile_out=str(tmp / f"{name}.prof")), tmp)
    for name in ("naive", *dict(runs)):
        if name in out:
            out[name]["clips_per_s"] = n / out[name]["seconds"]
            if "naive" in out and name != "naive":
                out[name]["speedup_vs_naive"] = out["naive"]["seconds"] / out[name]["seconds"]
    return out


def passt_gflops(result: dict, flops: dict) -> dict:
    """Achieved GFLOP/s of PaSST's forward passes, both at hear21passt's FLOP count.

    Same math for both; FlopCounterMode does not count the CPU kernel behind
    scaled_dot_product_attention, so it under-counts our forward by the attention FLOPs.
    """
    out = {}
    flops = dict(flops, imagehear=max(flops.values())) if flops else flops
    naive = result.get("naive")
    if naive and flops:
        t = naive["stages"]["passt_accuracy"] + naive["stages"]["passt_kl"]
        out["naive"] = flops["hear21passt"] * naive["passt_forwards"] / t / 1e9
    cold = result["cold"]["stages"].get("forward_passt")
    if cold and flops:
        clips = result["cold"]["new_cache_entries"].get("passt", 0)
        out["imagehear"] = flops["imagehear"] * clips / cold["seconds"] / 1e9
    return out


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=64, help="clips per set for the main measurement (default 64)")
    p.add_argument("--scaling", default="", help="extra N values for the scaling table, e.g. 16,64,256")
    p.add_argument("--scaling-seconds", type=float, default=None, help="clip length for scaling points (default --seconds)")
    p.add_argument("--naive-max-n", type=int, default=64, help="largest N the naive way is run at (default 64)")
    p.add_argument("--seconds", type=float, default=10.0, help="clip length in seconds (default 10)")
    p.add_argument("--device", default="cpu")
    p.add_argument("--batch-size", type=int, default=None, help="default: image-hear's own (1 on CPU, 16 on GPU)")
    p.add_argument("--precision", default="fp32", choices=["fp32", "bf16", "fp16"])
    p.add_argument("--out", default="bench/results.json")
    p.add_argument("--readme", default=None, help="Markdown table file (default: README.md next to --out)")
    p.add_argument("--skip-naive", action="store_true", help="only time image-hear (quick runs)")
    p.add_argument("--skip-fd", action="store_true")
    p.add_argument("--skip-flops", action="store_true")
    p.add_argument("--fd-dim", type=int, default=2048)
    p.add_argument("--fd-threads", type=int, default=1,
                   help="OPENBLAS_NUM_THREADS for the FD timing (default 1: on a loaded 2-core box OpenBLAS's "
                        "2 spinning threads make eigvalsh 10-40x slower; 0 = library default)")
    p.add_argument("--workdir", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "imagehear-bench")
    p.add_argument("--weights-dir", type=Path, default=None, help="full-size random weights (default WORKDIR/weights)")
    p.add_argument("--source", type=Path, default=None,
                   help="IMAGE HEAR images folder (default ../shared/image_hear/images or /work/shared/...)")
    p.add_argument("--render-only", action="store_true", help="rewrite the table from an existing --out file")
    p.add_argument("--phase", help=argparse.SUPPRESS)
    p.add_argument("--phase-args", help=argparse.SUPPRESS)
    p.add_argument("--phase-out", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv=None) -> int:
    opts = parse_args(argv)
    if opts.render_only:  # re-derive GFLOP/s and the table from an existing results file
        res = json.loads(Path(opts.out).read_text())
        res["passt_gflops"] = passt_gflops(res["main"], res.get("passt_flops_per_clip", {}))
        Path(opts.out).write_text(json.dumps(res, indent=1, default=float) + "\n")
        table = markdown(res)
        write_readme(Path(opts.readme) if opts.readme else Path(opts.out).with_name("README.md"), table)
        print(table)
        return 0
    if opts.phase:
        Path(opts.phase_out).write_text(json.dumps(child(opts.phase, json.loads(opts.phase_args)), default=float))
        return 0
    opts.workdir.mkdir(parents=True, exist_ok=True)
    opts.weights_dir = ensure_weights(opts.weights_dir or opts.workdir / "weights")
    if opts.source is None:
        candidates = [HERE.parent.parent / "shared" / "image_hear" / "images", Path("/work/shared/image_hear/images")]
        opts.source = next((c for c in candidates if c.is_dir()), None)
        if opts.source is None:
            raise SystemExit("no IMAGE HEAR images found: pass --source FOLDER")
    started = time.perf_counter()

    def log(msg):
        print(f"[{time.perf_counter() - started:7.1f} s] {msg}", flush=True)

    res = {"machine": machine(), "options": {k: str(v) if isinstance(v, Path) else v for k, v in vars(opts).items()
                                             if not k.startswith("phase")}, "parity_metrics": PARITY}
    tmp = opts.workdir / "runs"
    tmp.mkdir(exist_ok=True)
    flops = {}
    if not opts.skip_flops:
        log("counting PaSST FLOPs on one clip ...")
        flops = run_child("flops", {"weights": str(opts.weights_dir), "seconds": opts.seconds,
                                    "work": str(opts.workdir)}, tmp)["flops"]
        res["passt_flops_per_clip"] = flops
    if not opts.skip_fd:
        log(f"timing Fréchet distance on {opts.fd_dim}-d statistics ...")
        threads = {"OPENBLAS_NUM_THREADS": str(opts.fd_threads)} if opts.fd_threads else {}
        res["frechet"] = dict(run_child("fd", {"dim": opts.fd_dim}, tmp, threads)["fd"],
                              blas_threads=opts.fd_threads or "default")
    out = Path(opts.out)
    out.parent.mkdir(parents=True, exist_ok=True)

    def save():  # after every size, so a long run that is stopped keeps what it measured
        out.write_text(json.dumps(res, indent=1, default=float) + "\n")

    res["main"] = measure_size(opts, opts.n, opts.seconds, True, log)
    res["passt_gflops"] = passt_gflops(res["main"], flops)
    save()
    scaling_seconds = opts.scaling_seconds or opts.seconds
    res["scaling"] = []
    for n in sorted({int(x) for x in opts.scaling.split(",") if x.strip()}):
        if n == opts.n and scaling_seconds == opts.seconds:
            res["scaling"].append(res["main"])
        else:
            res["scaling"].append(measure_size(opts, n, scaling_seconds, False, log))
        save()
    save()
    table = markdown(res)
    readme = Path(opts.readme) if opts.readme else out.with_name("README.md")
    write_readme(readme, table)
    print(table)
    log(f"wrote {out} and {readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
