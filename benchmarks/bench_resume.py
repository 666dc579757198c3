"""How much of a stopped ``gradhist extract`` run ``--resume`` saves, and
whether the resumed table is the clean one.

Writes ``--n-files`` PNG files of ``--side`` x ``--side`` grey pixels (crops
of scikit-image's camera, upsampled; default 2000 of 256x256) into a
temporary directory, then runs the real command in subprocesses, one job:

1. a clean run, timed: T;
2. a run stopped at ``--at`` (default 70%) of T with SIGKILL, then
   ``--resume``, timed: R; the ratio R / T is printed, and the resumed table
   is compared with the clean one (same bytes of CSV);
3. the same stopped with SIGINT (Ctrl-C);
4. with ``--kills K``: K more runs, each killed (SIGKILL) at a random moment
   of the run (seeded: ``--seed``), then resumed: the table must be the
   clean one every time.

Usage::

    python benchmarks/bench_resume.py                       # 2000 files, steps 1-3
    python benchmarks/bench_resume.py --kills 20            # and twenty random kills
    python benchmarks/bench_resume.py --n-files 300 --kills 20   # a quick check
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def write_files(folder, n_files, side):
    import imageio.v3 as iio

    sys.path.insert(0, HERE)
    from _images import batch

    os.makedirs(folder)
    for i, image in enumerate(batch(n_files, side)):
        iio.imwrite(os.path.join(folder, f"{i:05d}.png"), image)


def command(output, *extra):
    return [sys.executable, "-m", "gradhist_sklearn", "extract", "images", "-o", output,
            "-q", "--n-jobs", "1", *extra]


def timed_run(cwd, output, *extra):
    """Seconds the command takes to the end; fails on a non-zero status."""
    start = time.perf_counter()
    result = subprocess.run(command(output, *extra), cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"the command failed ({result.returncode}): {result.stderr}")
    return seconds


def stopped_run(cwd, output, after, sig):
    """Start the command, send ``sig`` after ``after`` seconds; its status
    (None if it ended before)."""
    process = subprocess.Popen(command(output), cwd=cwd, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    try:
        process.wait(timeout=after)
        return None  # ended before the signal
    except subprocess.TimeoutExpired:
        pass
    process.send_signal(sig)
    process.communicate()
    return process.returncode


def parts_rows(cwd, output):
    """Rows the checkpoint parts of ``output`` hold."""
    folder = os.path.join(cwd, f".{output}.parts")
    if not os.path.isdir(folder):
        return 0
    total = 0
    for name in os.listdir(folder):
        if name.endswith(".npz"):
            with np.load(os.path.join(folder, name)) as archive:
                total += len(archive["features"])
    return total


def same_bytes(cwd, a, b):
    with open(os.path.join(cwd, a), "rb") as first, open(os.path.join(cwd, b), "rb") as second:
        return first.read() == second.read()


def clear(cwd, output):
    for name in (output, output + ".options.json", output + ".errors.csv"):
        if os.path.exists(os.path.join(cwd, name)):
            os.remove(os.path.join(cwd, name))
    shutil.rmtree(os.path.join(cwd, f".{output}.parts"), ignore_errors=True)


def stop_and_resume(cwd, clean_seconds, at, sig, n_files):
    """One stopped run and its resume: a line of figures; False if the
    resumed table is not the clean one."""
    output = "out.csv"
    clear(cwd, output)
    status = stopped_run(cwd, output, at * clean_seconds, sig)
    kept = parts_rows(cwd, output)
    resume = timed_run(cwd, output, "--resume")
    same = same_bytes(cwd, output, "clean.csv")
    name = signal.Signals(sig).name
    print(f"{name} at {at:.0%} of T (status {status}): {kept}/{n_files} rows in checkpoints; "
          f"--resume {resume:.2f} s = {resume / clean_seconds:.2f} T; "
          f"{'the clean table' if same else 'NOT THE CLEAN TABLE'}")
    return same


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n-files", type=int, default=2000)
    parser.add_argument("--side", type=int, default=256)
    parser.add_argument("--at", type=float, default=0.7, help="fraction of T to stop at")
    parser.add_argument("--kills", type=int, default=0, help="random kills after steps 1-3")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as cwd:
        write_files(os.path.join(cwd, "images"), args.n_files, args.side)
        timed_run(cwd, "warm.csv")  # numba's cache and the file cache: as later runs
        clean = timed_run(cwd, "clean.csv")
        engine = os.environ.get("GRADHIST_ENGINE", "auto")
        print(f"{args.n_files} PNG files of {args.side}x{args.side}, one job, engine {engine}: "
              f"clean run T = {clean:.2f} s")
        ok = all([stop_and_resume(cwd, clean, args.at, signal.SIGKILL, args.n_files),
                  stop_and_resume(cwd, clean, args.at, signal.SIGINT, args.n_files)])
        rng = np.random.default_rng(args.seed)
        for _ in range(args.kills):
            at = float(rng.uniform(0.05, 1.0))
            ok &= stop_and_resume(cwd, clean, at, signal.SIGKILL, args.n_files)
        print("every resumed table is the clean one" if ok else "SOME TABLE DIFFERED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
