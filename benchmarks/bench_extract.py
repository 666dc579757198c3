"""Throughput and memory of ``gradhist extract`` on many small PNG files.

Writes ``--n-files`` small PNG files (default 20,000; 32x32 grey patches cut
from scikit-image's camera, in folders of 1,000) into a temporary directory,
then runs the real command in a subprocess for ``--n-jobs 1`` and ``2`` and
prints files per second and the peak resident memory of the command (its
process, and its process tree including joblib's workers, sampled with
psutil every 20 ms). A run on one file measures the start-up (imports,
worker processes), so that the rate beyond start-up is shown as well. Every
run computes one histogram of each whole image (``--layout global``; the
default grid costs more per pixel, see docs/performance.rst).

Peers measured in the same run, for the ratios:

- the transformer in a plain Python process, given the list of paths
  (``GradientHistogramTransformer(layout="global", n_jobs=J).fit_transform(paths)``): the cost
  of the command's file discovery, error capture and table writing;
- the command on a quarter of the files: peak memory should not grow with
  the number of files (only the list of names does).

With ``--scaling``, only ``--n-jobs 2`` against ``--n-jobs 1`` of the
command with its defaults (the grid included), on 300 PNG files of 256x256
and on 2,000 of 64x64: the two runs alternate, ``--rounds`` times (default
3), and the best wall time of each is kept.

Usage::

    python benchmarks/bench_extract.py                 # 20,000 files
    python benchmarks/bench_extract.py --n-files 2000  # a quick run
    python benchmarks/bench_extract.py --scaling       # n_jobs=2 against 1, defaults
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

PEER_CODE = """
import glob, os, sys
from gradhist_sklearn import GradientHistogramTransformer
paths = sorted(glob.glob(os.path.join(sys.argv[1], "*", "*.png")))
transformer = GradientHistogramTransformer(layout="global", n_jobs=int(sys.argv[2]))
features = transformer.fit_transform(paths)
assert features.shape[0] == len(paths)
"""


def write_files(folder, n_files, size):
    import imageio.v3 as iio
    from skimage import data

    camera = data.camera()
    step = (camera.shape[0] - size) // 16
    blobs = [
        iio.imwrite("<bytes>", camera[r * step:r * step + size, c * step:c * step + size],
                    extension=".png")
        for r in range(16)
        for c in range(16)
    ]
    for i in range(n_files):
        sub = os.path.join(folder, f"{i // 1000:03d}")
        if i % 1000 == 0:
            os.makedirs(sub)
        with open(os.path.join(sub, f"{i:06d}.png"), "wb") as file:
            file.write(blobs[i % len(blobs)])


def measure(command):
    """Wall time, peak RSS of the process and of its whole tree (bytes)."""
    try:
        import psutil
    except ImportError:
        psutil = None
    start = time.perf_counter()
    if psutil is None:
        import resource

        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        elapsed = time.perf_counter() - start
        # Largest single descendant (kilobytes on Linux): a lower bound of the tree.
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
        return elapsed, peak, float("nan")
    process = psutil.Popen(command, stdout=subprocess.DEVNULL)
    peak_main = peak_tree = 0
    while process.poll() is None:
        try:
            main = process.memory_info().rss
            tree = main
            for child in process.children(recursive=True):
                try:
                    tree += child.memory_info().rss
                except psutil.Error:
                    pass
        except psutil.Error:
            break
        peak_main, peak_tree = max(peak_main, main), max(peak_tree, tree)
        time.sleep(0.02)
    elapsed = time.perf_counter() - start
    if process.returncode != 0:
        raise SystemExit(f"{command} failed with status {process.returncode}")
    return elapsed, peak_main, peak_tree


#: (files, side) of the ``--scaling`` runs.
SCALING_SETS = [(300, 256), (2000, 64)]


def load():
    try:
        return "load average " + " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "load average unknown"


def scaling(rounds, output_format):
    """``gradhist extract --n-jobs 2`` against ``--n-jobs 1``, the command's
    defaults, alternating runs, best wall time of each."""
    print(f"gradhist extract, its defaults, --n-jobs 2 against --n-jobs 1: wall time, "
          f"best of {rounds} alternating runs, {os.cpu_count()} CPUs")
    for n_files, size in SCALING_SETS:
        root = tempfile.mkdtemp(prefix="bench_extract_scaling_")
        try:
            images = os.path.join(root, "images")
            os.makedirs(images)
            write_files(images, n_files, size)
            output = os.path.join(root, f"features.{output_format}")
            cli = [sys.executable, "-m", "gradhist_sklearn", "extract", images, "-r", "-o",
                   output, "--quiet", "--n-jobs"]
            measure(cli + ["1"])  # untimed: numba's cache, the OS's file cache
            best = {1: float("inf"), 2: float("inf")}
            before = load()
            for _ in range(rounds):
                for jobs in best:
                    best[jobs] = min(best[jobs], measure(cli + [str(jobs)])[0])
            print(f"  {n_files} PNG files of {size}x{size}: --n-jobs 1 {best[1]:.2f} s "
                  f"({n_files / best[1]:.0f} files/s), --n-jobs 2 {best[2]:.2f} s "
                  f"({n_files / best[2]:.0f} files/s), ratio {best[1] / best[2]:.2f}x")
            print(f"    {before} before, {load()} after")
        finally:
            shutil.rmtree(root, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n-files", type=int, default=20_000)
    parser.add_argument("--size", type=int, default=32, help="image side in pixels")
    parser.add_argument("--jobs", default="1,2", help="comma-separated --n-jobs values")
    parser.add_argument("--format", default="parquet", choices=["parquet", "csv", "npz"])
    parser.add_argument("--scaling", action="store_true",
                        help="only --n-jobs 2 against 1 with the command's defaults, on 300 "
                             "files of 256x256 and 2,000 of 64x64")
    parser.add_argument("--rounds", type=int, default=3,
                        help="alternating runs of --scaling, best kept")
    args = parser.parse_args()
    if args.scaling:
        scaling(args.rounds, args.format)
        return

    root = tempfile.mkdtemp(prefix="bench_extract_")
    try:
        images = os.path.join(root, "images")
        os.makedirs(images)
        start = time.perf_counter()
        write_files(images, args.n_files, args.size)
        print(f"wrote {args.n_files} PNG files of {args.size}x{args.size} grey pixels in "
              f"{time.perf_counter() - start:.1f} s ({images})")
        folders = sorted(os.listdir(images))
        quarter = [os.path.join(images, f) for f in folders[: max(1, len(folders) // 4)]]
        n_quarter = sum(len(os.listdir(f)) for f in quarter)
        # Then the images and options; --layout global as the peer's.
        cli = [sys.executable, "-m", "gradhist_sklearn", "extract", "--layout", "global"]
        output = os.path.join(root, f"features.{args.format}")
        rows = []
        first = os.path.join(images, folders[0], sorted(os.listdir(
            os.path.join(images, folders[0])))[0])
        # Untimed: fills the compiled kernel's cache (numba) and the OS file
        # cache, so that no timed run pays for them.
        measure(cli + [first, "-o", output, "--quiet"])
        for jobs in [int(j) for j in args.jobs.split(",")]:
            runs = [
                (f"  start-up: one file, n_jobs={jobs}", 1,
                 cli + [first, "-o", output, "--quiet", "--n-jobs", str(jobs)]),
                (f"gradhist extract --n-jobs {jobs}", args.n_files,
                 cli + [images, "-r", "-o", output, "--quiet", "--n-jobs", str(jobs)]),
                (f"  same, on {n_quarter} files", n_quarter,
                 cli + quarter + ["-o", output, "--quiet", "--n-jobs", str(jobs)]),
                (f"  peer: transformer(paths), n_jobs={jobs}", args.n_files,
                 [sys.executable, "-c", PEER_CODE, images, str(jobs)]),
            ]
            startup = None
            for label, n, command in runs:
                elapsed, peak_main, peak_tree = measure(command)
                if startup is None:
                    startup = elapsed
                    marginal = float("nan")
                elif elapsed > startup:
                    marginal = (n - 1) / (elapsed - startup)
                else:  # faster than the one-file run: noise, no rate to give
                    marginal = float("nan")
                rows.append((label, n, elapsed, n / elapsed, marginal, peak_main, peak_tree))
        mb = 1 / 2**20
        print("files/s: files over wall time, start-up included; beyond start-up: "
              "(files - 1) over (time - time of the one-file run)")
        print(f"{'run':44s} {'files':>6s} {'time s':>7s} {'files/s':>8s} {'beyond':>8s} "
              f"{'peak RSS main':>14s} {'peak RSS tree':>14s}")
        for label, n, elapsed, rate, marginal, main, tree in rows:
            print(f"{label:44s} {n:6d} {elapsed:7.2f} {rate:8.1f} {marginal:8.1f} "
                  f"{main * mb:11.1f} MB {tree * mb:11.1f} MB")
        by_label = {row[0].strip(): row[3] for row in rows}
        jobs = [int(j) for j in args.jobs.split(",")]
        for j in jobs:
            ratio = by_label[f"gradhist extract --n-jobs {j}"] / by_label[
                f"peer: transformer(paths), n_jobs={j}"]
            print(f"ratio command / transformer, n_jobs={j}: {ratio:.2f}")
        if len(jobs) > 1:
            speedup = by_label[f"gradhist extract --n-jobs {jobs[-1]}"] / by_label[
                f"gradhist extract --n-jobs {jobs[0]}"]
            print(f"speed-up n_jobs={jobs[-1]} / n_jobs={jobs[0]}: {speedup:.2f} "
                  f"(on {os.cpu_count()} CPUs, shared with whatever else runs)")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
