"""What the first run costs: numba compiling the kernels, against a warm cache.

Run from the repository root::

    python benchmarks/bench_first_run.py              # 2 cold and 2 warm runs of each
    python benchmarks/bench_first_run.py --repeats 1  # quicker

Every figure comes from a new Python process (``subprocess.run``, which
returns when the child exits), with the package of this checkout first on
``PYTHONPATH`` and numba's cache in a temporary folder (``NUMBA_CACHE_DIR``,
which the package's cache location follows: ``_engines/_cache.py``):

- cold: the folder is new and empty, so numba compiles every kernel the run
  needs; warm: the same folder again, filled by the cold run;
- ``examples/quickstart.py``, the whole script;
- ``gradhist extract`` of one 64x64 PNG to a CSV file (start-up: imports,
  reading the options, one image);
- first calls in one process, in turn: the transformer's defaults on uint8
  images, then on float64 and float32 images, then ``layout='global'``,
  then ``operator='sobel', rotation_invariant=False``, then (when the
  transformer takes one) ``dtype='float32'``; and, from the cold
  run, the compile time numba recorded for each compiled kernel
  (``Dispatcher.get_metadata()``'s ``compiler_lock`` timer, which includes
  the kernels it calls).

Each process is timed by its wall time and by its CPU time (user + system,
from ``resource.getrusage(RUSAGE_CHILDREN)``); the best of ``--repeats`` runs
is kept, cold runs each on a new folder. ``GRADHIST_ENGINE`` is inherited
(unset: the compiled engine when numba imports).
"""

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Run in a child: first calls of several configurations, then numba's
#: compile timers of every compiled kernel; prints one JSON object.
FIRST_CALLS = r"""
import json, sys, time
t0 = time.perf_counter()
import numpy as np
from gradhist_sklearn import GradientHistogramTransformer
imports = time.perf_counter() - t0
images = np.random.default_rng(0).integers(0, 256, (4, 64, 64), dtype=np.uint8)
calls = [
    ("defaults, uint8", {}, images),
    ("defaults, then float64 images", {}, images.astype(np.float64)),
    ("defaults, then float32 images", {}, images.astype(np.float32)),
    ("layout='global', uint8", {"layout": "global"}, images),
    ("sobel, not invariant, uint8", {"operator": "sobel", "rotation_invariant": False},
     images),
]
if "dtype" in GradientHistogramTransformer().get_params():
    calls.append(("defaults, dtype='float32', uint8", {"dtype": "float32"}, images))
firsts = [["import gradhist_sklearn, numpy", imports]]
for name, params, x in calls:
    start = time.perf_counter()
    GradientHistogramTransformer(n_jobs=1, **params).fit_transform(x)
    firsts.append([name, time.perf_counter() - start])
kernels = []
try:
    from numba.core.registry import CPUDispatcher
except ImportError:
    CPUDispatcher = None
if CPUDispatcher is not None:
    for module_name, module in list(sys.modules.items()):
        if not module_name.startswith("gradhist_sklearn") or module is None:
            continue
        for name, value in vars(module).items():
            if not isinstance(value, CPUDispatcher):
                continue
            for signature in value.signatures:
                timers = (value.get_metadata(signature) or {}).get("timers", {})
                if "compiler_lock" in timers:
                    kernels.append([f"{module_name.rsplit('.', 1)[-1]}.{name}",
                                    str(signature), timers["compiler_lock"]])
print(json.dumps({"first_calls": firsts, "kernels": kernels}))
"""


#: Kernels listed, longest compile first.
TOP_KERNELS = 12


def first_argument(signature):
    """The first argument's type in numba's text of a signature, shortened:
    ``Array(uint8, 3, 'C', ...)`` gives ``uint8[3d]``."""
    match = re.match(r"\(Array\((\w+), (\d+)", signature)
    if match:
        return f"{match.group(1)}[{match.group(2)}d]"
    return signature[1:].split(",", 1)[0]


def child_environment(cache_dir):
    """This process's environment, with this checkout's package first on
    ``PYTHONPATH`` and numba's cache in ``cache_dir``."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["NUMBA_CACHE_DIR"] = str(cache_dir)
    return env


def timed_run(command, cache_dir, capture=False):
    """Wall and CPU seconds of ``command`` run to its end, and its output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env=child_environment(cache_dir), check=True,
                            stdout=subprocess.PIPE if capture else subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, result.stdout


def cold_and_warm(command, repeats, workdir, capture=False):
    """Best (wall, cpu) of ``repeats`` cold runs (each on a new cache
    folder) and of ``repeats`` warm runs (on the last of them), and the
    outputs of the last cold and warm runs."""
    cold, warm = [], []
    cold_out = warm_out = None
    for k in range(repeats):
        cache_dir = Path(tempfile.mkdtemp(prefix=f"cache{k}_", dir=workdir))
        wall, cpu, cold_out = timed_run(command, cache_dir, capture)
        cold.append((wall, cpu))
    for _ in range(repeats):
        wall, cpu, warm_out = timed_run(command, cache_dir, capture)
        warm.append((wall, cpu))
    best = lambda runs: (min(w for w, _ in runs), min(c for _, c in runs))  # noqa: E731
    return best(cold), best(warm), cold_out, warm_out


def write_png(folder):
    """One 64x64 grey PNG (a crop of scikit-image's camera)."""
    import imageio.v3 as iio
    from skimage import data

    path = Path(folder) / "camera64.png"
    iio.imwrite(path, data.camera()[200:264, 200:264])
    return path


def load():
    try:
        return "load average " + " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "load average unknown"


def print_pair(label, cold, warm):
    print(f"  {label:<44} cold {cold[0]:7.2f} s wall {cold[1]:7.2f} s CPU   "
          f"warm {warm[0]:6.2f} s wall {warm[1]:6.2f} s CPU   "
          f"cold / warm {cold[0] / warm[0]:5.1f}x wall {cold[1] / warm[1]:5.1f}x CPU")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=2,
                        help="cold runs (each on a new cache) and warm runs; best kept")
    args = parser.parse_args(argv)
    engine = os.environ.get("GRADHIST_ENGINE", "auto")
    print(f"{os.cpu_count()} CPUs, {load()}; GRADHIST_ENGINE={engine}; "
          f"best of {args.repeats} runs each")
    workdir = Path(tempfile.mkdtemp(prefix="bench_first_run_"))
    try:
        png = write_png(workdir)
        runs = [
            ("python examples/quickstart.py",
             [sys.executable, str(ROOT / "examples" / "quickstart.py")]),
            ("gradhist extract (one 64x64 PNG)",
             [sys.executable, "-m", "gradhist_sklearn", "extract", str(png), "-o",
              str(workdir / "features.csv"), "--quiet"]),
        ]
        print("\nWhole processes, wall and CPU seconds:")
        for label, command in runs:
            cold, warm, _, _ = cold_and_warm(command, args.repeats, workdir)
            print_pair(label, cold, warm)
        cold, warm, cold_out, warm_out = cold_and_warm(
            [sys.executable, "-c", FIRST_CALLS], args.repeats, workdir, capture=True)
        print_pair("first calls (below), whole process", cold, warm)
        cold_out, warm_out = json.loads(cold_out), json.loads(warm_out)
        print("\nFirst calls in one process, in turn (wall seconds, last cold and warm run):")
        for (name, cold_s), (_, warm_s) in zip(cold_out["first_calls"], warm_out["first_calls"],
                                               strict=True):
            print(f"  {name:<44} cold {cold_s:7.2f} s   warm {warm_s:6.2f} s")
        kernels = sorted(cold_out["kernels"], key=lambda row: -row[2])
        print(f"\nCompile time of the kernels numba compiled in the last cold run, the "
              f"{min(len(kernels), TOP_KERNELS)} longest of {len(kernels)} signatures (a "
              f"kernel's time includes the kernels it calls; wall seconds):")
        for name, signature, seconds in kernels[:TOP_KERNELS]:
            print(f"  {seconds:7.2f} s  {name}({first_argument(signature)}, ...)")
        print(f"\n{load()}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
