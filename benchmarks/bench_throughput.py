"""Throughput of GradientHistogramTransformer against its peers, in one run.

Run from the repository root::

    python -m pip install -e ".[bench]"
    python benchmarks/bench_throughput.py            # the full table, about 2 minutes
    python benchmarks/bench_throughput.py --quick    # smaller batches, fewer repeats
    python benchmarks/bench_throughput.py --growth   # also cost against image and batch size
    python benchmarks/bench_throughput.py --layouts-only   # only rings, grid and scales

Every peer computes a 36-bin (18 for HOG, its maximum over 180 degrees is
the same resolution) magnitude-weighted orientation histogram of each uint8
image, on one core:

- ``gradhist [numba]``: the transformer with the compiled engine,
  ``n_jobs=1``, ``operator='sobel'`` and one histogram of the whole image
  (``layout='global'``), defaults otherwise (rotation invariant,
  ``normalize='sqrt'``);
- ``gradhist [plain]``: the same transformer with ``GRADHIST_ENGINE=plain``,
  as a plain ``pip install gradhist-sklearn`` runs it;
- ``skimage hog``: ``skimage.feature.hog`` with one cell over the whole image
  (``pixels_per_cell`` = image size, ``cells_per_block=(1, 1)``,
  ``orientations=18``), one call per image;
- ``opencv+numpy``: ``cv2.Sobel`` (CV_32F, both axes, ``BORDER_REFLECT``),
  ``cv2.cartToPolar(angleInDegrees=True)`` and the linear split with two
  ``np.bincount`` calls on float32, one image at a time, OpenCV limited to one
  thread.

The defaults table times the three scales on the compiled engine (what
``pip install`` runs: numba is a dependency) and on the numpy one
(``GRADHIST_ENGINE=plain``, the fallback). ``global [engine]`` is the
transformer with its defaults (derivative of Gaussian at
``sigma=(0.5, 1, 2)``, aligned to the dominant harmonic,
``normalize='sqrt'``) but one histogram of the whole image
(``layout='global'``), against ``opencv DoG``, which does the same work:
the OpenCV pipeline above with the same derivative-of-Gaussian kernels in
``cv2.sepFilter2D`` (float32, ``BORDER_REFLECT``) at each of the three
scales, one 36-bin histogram per scale. ``defaults [engine]`` is the
transformer with all its defaults, the aligned 3 x 3 grid included, which
OpenCV has no counterpart of: it is given as a ratio to ``global`` of the
same engine. CPU time of this process.

The layouts table times the transformer alone (``n_jobs=1``, 36 bins, the
library's defaults otherwise: derivative of Gaussian at ``sigma=1``, rotation
invariant, normalised) with ``layout='rings'`` and ``layout='grid'`` against
``layout='global'``, and with three scales ``sigma=(0.5, 1, 2)`` against
one (both of one global histogram), for each engine; the same three layouts
with ``operator='sobel'`` follow, then the rings with
``azimuthal_harmonics=4`` against the rings alone, at ``sigma=1`` and at the
transformer's three scales. It prints each one's CPU time (``n_jobs=1``: all
of it in this process) as a ratio to its reference's, measured in the same
rounds.

Peers are timed in turn within each round (so a burst of load on a shared
machine hits them alike), each for at least 0.3 s per round, and the best
single time is kept. Throughput is in
megapixels per second (input pixels / best time). The scaling figure times the
transformer (Sobel with one global histogram, and all the defaults, the
grid included) on 400 images of 256x256 with ``n_jobs=2`` and ``n_jobs=1`` (its
default joblib backend: threads for the compiled engine, which releases the
GIL, processes for the plain one), and prints the load average around it.
"""

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _engines import selected_engine  # noqa: E402
from _images import batch, photograph  # noqa: E402

from gradhist_sklearn import GradientHistogramTransformer  # noqa: E402
from gradhist_sklearn._engines import numba_available  # noqa: E402

FULL_SIZES = [(2000, 64), (200, 256), (4, 2048)]
QUICK_SIZES = [(500, 64), (50, 256), (1, 2048)]
BINS = 36
# Named explicitly: the figures are for Sobel whatever the default operator is.
OPERATOR = "sobel"
GOALS = {"skimage hog": 10.0, "opencv+numpy": 2.0}
#: The compiled engine with the default scales (one global histogram)
#: against OpenCV doing the same work.
DEFAULTS_GOAL = 1.5
SCALES = (0.5, 1.0, 2.0)
LAYOUT_SIZES = [(2000, 64), (200, 256), (4, 2048)]
QUICK_LAYOUT_SIZES = [(50, 256)]
#: (name, transformer parameters, the configuration it is compared with, goal).
#: One scale (``sigma=1``) for the layouts, since the defaults are three:
#: the scales' row is then three against one.
LAYOUT_CONFIGS = [
    ("global", dict(layout="global", sigma=1.0), None, None),
    ("rings", dict(layout="rings", sigma=1.0), "global", 1.3),
    ("grid", dict(layout="grid", sigma=1.0), "global", 1.3),
    ("sigma=(0.5, 1, 2)", dict(layout="global", sigma=(0.5, 1.0, 2.0)), "global", 2.0),
    ("global, sobel", dict(layout="global", operator="sobel"), None, None),
    ("rings, sobel", dict(layout="rings", operator="sobel"), "global, sobel", 1.3),
    ("grid, sobel", dict(layout="grid", operator="sobel"), "global, sobel", 1.3),
    # The rings' azimuthal harmonics against the rings alone, at one scale and
    # at the transformer's three.
    ("rings, azimuthal 4", dict(layout="rings", sigma=1.0, azimuthal_harmonics=4), "rings",
     1.5),
    ("rings, 3 scales", dict(layout="rings"), None, None),
    ("rings, 3 scales, azimuthal 4", dict(layout="rings", azimuthal_harmonics=4),
     "rings, 3 scales", 1.5),
]


def transformer_peer(engine):
    def run(images):
        with selected_engine(engine):
            transformer = GradientHistogramTransformer(BINS, operator=OPERATOR,
                                                       layout="global", n_jobs=1)
            return transformer.fit_transform(images)

    return run


def hog_peer(images):
    from skimage.feature import hog

    side = images.shape[1:]
    return [hog(image, orientations=BINS // 2, pixels_per_cell=side, cells_per_block=(1, 1))
            for image in images]


def opencv_peer(images):
    import cv2

    scale = np.float32(BINS / 360.0)
    out = []
    for image in images:
        gx = cv2.Sobel(image, cv2.CV_32F, 1, 0, ksize=3, borderType=cv2.BORDER_REFLECT)
        gy = cv2.Sobel(image, cv2.CV_32F, 0, 1, ksize=3, borderType=cv2.BORDER_REFLECT)
        magnitude, angle = cv2.cartToPolar(gx, gy, angleInDegrees=True)
        position = angle.ravel() * scale
        lower = np.floor(position)
        upper_weight = (position - lower) * magnitude.ravel()
        lower = lower.astype(np.intp)
        lower[lower >= BINS] -= BINS  # cartToPolar may return exactly 360
        upper = lower + 1
        upper[upper == BINS] = 0
        histogram = np.bincount(lower, magnitude.ravel() - upper_weight, minlength=BINS)
        histogram += np.bincount(upper, upper_weight, minlength=BINS)
        out.append(histogram)
    return out


def defaults_peer(engine, **params):
    """The transformer with its defaults but ``params``, on ``engine``."""
    def run(images):
        with selected_engine(engine):
            return GradientHistogramTransformer(BINS, n_jobs=1, **params).fit_transform(images)

    return run


def opencv_dog_peer(images):
    """The OpenCV pipeline with the library's derivative-of-Gaussian kernels,
    at each of the default scales: the same work as the defaults, but for
    the re-binning."""
    import cv2

    from gradhist_sklearn._gradients import gaussian_kernels

    kernels = [[k.astype(np.float32) for k in gaussian_kernels(s)] for s in SCALES]
    scale = np.float32(BINS / 360.0)
    out = []
    for image in images:
        row = []
        for derivative, smoothing in kernels:
            gx = cv2.sepFilter2D(image, cv2.CV_32F, derivative, smoothing,
                                 borderType=cv2.BORDER_REFLECT)
            gy = cv2.sepFilter2D(image, cv2.CV_32F, smoothing, derivative,
                                 borderType=cv2.BORDER_REFLECT)
            magnitude, angle = cv2.cartToPolar(gx, gy, angleInDegrees=True)
            position = angle.ravel() * scale
            lower = np.floor(position)
            upper_weight = (position - lower) * magnitude.ravel()
            lower = lower.astype(np.intp)
            lower[lower >= BINS] -= BINS
            upper = lower + 1
            upper[upper == BINS] = 0
            histogram = np.bincount(lower, magnitude.ravel() - upper_weight, minlength=BINS)
            histogram += np.bincount(upper, upper_weight, minlength=BINS)
            row.append(histogram)
        out.append(np.concatenate(row))
    return out


def defaults_table(sizes, engines, repeats, kind, source):
    """The three default scales of one global histogram on each engine
    against OpenCV with the same operator; all the defaults (the grid)
    against the global histogram."""
    engines = [e for e in engines if e != "numba" or numba_available()]
    functions = {}
    for e in engines:
        functions[f"global [{e}]"] = defaults_peer(e, layout="global")
        functions[f"defaults [{e}]"] = defaults_peer(e)
    try:
        import cv2
    except ImportError:
        print("opencv DoG: OpenCV is not installed (pip install -e '.[bench]'), skipped")
    else:
        cv2.setNumThreads(1)
        functions["opencv DoG"] = opencv_dog_peer
    rows = []
    for n_images, side in sizes:
        images = batch(n_images, side, kind, source=source)
        megapixels = images.size / 1e6
        times = best_times(functions, images, repeats, clock=time.process_time)
        print(f"\nDefaults, sigma={SCALES}: {n_images} images of {side}x{side} "
              f"({megapixels:.1f} Mpx), CPU seconds, best of {repeats} rounds, {load()}")
        for name, seconds in times.items():
            line = f"  {name:<18} {seconds:9.4f} {megapixels / seconds:9.1f} Mpx/s"
            if name.startswith("global") and "opencv DoG" in times:
                ratio = times["opencv DoG"] / seconds
                line += f"  {ratio:5.2f}x opencv DoG"
                if name == "global [numba]":
                    verdict = "meets" if ratio >= DEFAULTS_GOAL else "MISSES"
                    line += f" ({verdict} the {DEFAULTS_GOAL}x goal)"
                rows.append((side, name, ratio))
            elif name.startswith("defaults"):
                engine = name[name.index("[") + 1:-1]
                line += f"  {seconds / times[f'global [{engine}]']:5.2f}x the time of global"
            print(line)
    return rows


def peers(engines):
    found = {}
    for engine in engines:
        if engine == "numba" and not numba_available():
            print("gradhist [numba]: numba is not installed (pip install -e '.[fast]'), skipped")
            continue
        found[f"gradhist [{engine}]"] = transformer_peer(engine)
    found["skimage hog"] = hog_peer
    try:
        import cv2
    except ImportError:
        print("opencv+numpy: OpenCV is not installed (pip install -e '.[bench]'), skipped")
    else:
        cv2.setNumThreads(1)
        found["opencv+numpy"] = opencv_peer
    return found


def best_times(functions, images, repeats, budget=0.3, clock=time.perf_counter):
    """Best time of each function over ``repeats`` rounds, by ``clock`` (wall
    time unless told).

    Within a round every function runs in turn, each as many times as fit in
    ``budget`` seconds (at least once), so fast peers get as many chances at
    a quiet moment of a shared machine as slow ones.
    """
    for function in functions.values():  # warm-up: compilation, caches, imports
        function(images[:2])
    best = dict.fromkeys(functions, np.inf)
    for _ in range(repeats):
        for name, function in functions.items():
            spent = 0.0
            while spent < budget or spent == 0.0:
                start = clock()
                function(images)
                seconds = clock() - start
                best[name] = min(best[name], seconds)
                spent += seconds
    return best


def load():
    try:
        return "load average " + " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "load average unknown"


def machine():
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = []
    for name in ("numpy", "scipy", "skimage", "sklearn", "joblib", "numba", "cv2"):
        try:
            versions.append(f"{name} {__import__(name).__version__}")
        except ImportError:
            versions.append(f"{name} -")
    return (f"{model}, {os.cpu_count()} logical CPUs; Python {platform.python_version()}; "
            + ", ".join(versions))


def throughput_table(sizes, engines, repeats, kind, source):
    rows = []
    functions = peers(engines)
    for n_images, side in sizes:
        images = batch(n_images, side, kind, source=source)
        megapixels = images.size / 1e6
        times = best_times(functions, images, repeats)
        print(f"\n{n_images} images of {side}x{side} ({megapixels:.1f} Mpx), "
              f"best of {repeats} rounds, {load()}")
        print(f"  {'peer':<18} {'seconds':>9} {'Mpx/s':>9}")
        for name, seconds in times.items():
            print(f"  {name:<18} {seconds:9.4f} {megapixels / seconds:9.1f}")
        for ours in (name for name in times if name.startswith("gradhist")):
            for peer, goal in GOALS.items():
                if peer in times:
                    ratio = times[peer] / times[ours]
                    verdict = "meets" if ratio >= goal else "MISSES"
                    print(f"  {ours} / {peer}: {ratio:6.2f}x  ({verdict} the {goal}x goal)")
                    rows.append((side, ours, peer, ratio, goal))
    return rows


def layout_peer(engine, params):
    def run(images):
        with selected_engine(engine):
            return GradientHistogramTransformer(BINS, n_jobs=1, **params).fit_transform(images)

    return run


def layouts_table(sizes, engines, repeats, kind, source):
    """Rings, grid and three scales against the global histogram, per engine."""
    engines = [e for e in engines if e != "numba" or numba_available()]
    rows = []
    for n_images, side in sizes:
        images = batch(n_images, side, kind, source=source)
        megapixels = images.size / 1e6
        functions = {(engine, name): layout_peer(engine, params)
                     for engine in engines for name, params, _, _ in LAYOUT_CONFIGS}
        # CPU time of this process: everything runs in it (n_jobs=1), and
        # unlike wall time it does not count the moments another process
        # held the core, which on a shared machine swing the ratios.
        times = best_times(functions, images, repeats, clock=time.process_time)
        print(f"\nLayouts and scales: {n_images} images of {side}x{side} ({megapixels:.1f} Mpx), "
              f"CPU seconds, best of {repeats} rounds, {load()}")
        print(f"  {'engine':<8} {'configuration':<29} {'CPU s':>9} {'Mpx/s':>8} {'ratio':>7}")
        for engine in engines:
            for name, _, against, goal in LAYOUT_CONFIGS:
                seconds = times[engine, name]
                line = f"  {engine:<8} {name:<29} {seconds:9.4f} {megapixels / seconds:8.1f}"
                if against is not None:
                    ratio = seconds / times[engine, against]
                    verdict = "meets" if ratio <= goal else "MISSES"
                    line += f" {ratio:6.2f}x  of {against!r} ({verdict} the {goal}x goal)"
                    rows.append((side, engine, name, ratio, goal))
                print(line)
    return rows


#: (name, transformer parameters, goal of n_jobs=2 against n_jobs=1).
SCALING_CONFIGS = [("sobel, global", dict(operator=OPERATOR, layout="global"), 1.7),
                   ("defaults (grid)", {}, 1.6)]


def scaling(engines, n_images, repeats, kind, source):
    images = batch(n_images, 256, kind, source=source)
    print(f"\nScaling: {n_images} images of 256x256, n_jobs=2 against n_jobs=1, "
          f"best of {repeats} rounds")
    results = []
    for engine in engines:
        if engine == "numba" and not numba_available():
            continue
        for name, params, goal in SCALING_CONFIGS:
            results.append(_scaling_of(engine, name, params, goal, images, repeats))
    return results


def _scaling_of(engine, name, params, goal, images, repeats):
    """n_jobs=2 against n_jobs=1 for one engine and configuration."""
    megapixels = images.size / 1e6
    with selected_engine(engine):
        one = GradientHistogramTransformer(angle_bins=BINS, n_jobs=1, **params)
        two = GradientHistogramTransformer(angle_bins=BINS, n_jobs=2, **params)
        two.fit_transform(images[:64])  # start the workers
        before = load()
        best = best_times({1: one.fit_transform, 2: two.fit_transform}, images, repeats,
                          budget=1.0)
        after = load()
        # CPU seconds of this process per run: with threads it counts both
        # workers, so 2 * cpu[1] / cpu[2] is the ratio two idle cores would
        # give (what a busy machine's wall clock cannot show).
        cpu = {}
        for jobs, transformer in ((1, one), (2, two)):
            runs = []
            for _ in range(3):
                start = time.process_time()
                transformer.fit_transform(images)
                runs.append(time.process_time() - start)
            cpu[jobs] = min(runs)
    ratio = best[1] / best[2]
    verdict = "meets" if ratio >= goal else "MISSES"
    print(f"  gradhist [{engine}] {name}: n_jobs=1 {megapixels / best[1]:7.1f} Mpx/s, "
          f"n_jobs=2 {megapixels / best[2]:7.1f} Mpx/s, ratio {ratio:.2f}x "
          f"({verdict} the {goal}x goal)")
    print(f"    {before} before, {after} after")
    if engine == "numba":  # threads: the process's CPU time covers both workers
        print(f"    CPU seconds per run: n_jobs=1 {cpu[1]:.3f}, n_jobs=2 {cpu[2]:.3f} "
              f"(both threads); on two idle cores that is a ratio of about "
              f"{2 * cpu[1] / cpu[2]:.2f}x")
    return engine, name, ratio


def growth(engines, repeats, kind, source):
    """How the cost grows with image size (same pixel total) and batch size."""
    engines = [e for e in engines if e != "numba" or numba_available()]
    print("\nCost against image size: about 4 Mpx per batch, Mpx/s")
    print("  " + f"{'image':<12}" + "".join(f"{e:>10}" for e in engines))
    for side in (8, 28, 64, 256, 1024, 2048):
        images = batch(max(1, 2**22 // (side * side)), side, kind, source=source)
        cells = []
        for engine in engines:
            times = best_times({engine: transformer_peer(engine)}, images, repeats)
            cells.append(f"{images.size / 1e6 / times[engine]:10.1f}")
        print(f"  {f'{side}x{side}':<12}" + "".join(cells))
    print("\nCost against batch size: 28x28 images, microseconds per call and per image")
    print("  " + f"{'images':<8}" + "".join(f"{e + ' call':>14}{e + ' image':>14}"
                                            for e in engines))
    for n_images in (1, 10, 100, 1000, 10000, 60000):
        images = batch(n_images, 28, kind, source=source)
        cells = []
        for engine in engines:
            seconds = best_times({engine: transformer_peer(engine)}, images, repeats)[engine]
            cells.append(f"{seconds * 1e6:14.0f}{seconds * 1e6 / n_images:14.2f}")
        print(f"  {n_images:<8}" + "".join(cells))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="smaller batches (500x64, 50x256, 1x2048; 200 for scaling) "
                             "and 2 repeats")
    parser.add_argument("--repeats", type=int, default=None,
                        help="rounds, best kept (default 3, quick 2); within a round each "
                             "peer runs for at least 0.3 s")
    parser.add_argument("--engines", nargs="+", default=["numba", "plain"],
                        choices=["numba", "plain"], help="gradhist engines to time")
    parser.add_argument("--images", choices=["natural", "noise"], default="natural",
                        help="photograph crops (default) or uniform noise")
    parser.add_argument("--no-scaling", action="store_true", help="skip the n_jobs figure")
    parser.add_argument("--scaling-only", action="store_true", help="only the n_jobs figure")
    parser.add_argument("--growth", action="store_true",
                        help="also print how the cost grows with image size and batch size")
    parser.add_argument("--no-layouts", action="store_true",
                        help="skip the table of layouts and scales")
    parser.add_argument("--layouts-only", action="store_true",
                        help="only the table of layouts and scales")
    args = parser.parse_args(argv)
    repeats = args.repeats or (2 if args.quick else 3)
    print(machine())
    print(f"{os.cpu_count()} CPUs, {load()}; images: {args.images}")
    source = photograph() if args.images == "natural" else None
    if args.layouts_only:
        layouts_table(QUICK_LAYOUT_SIZES if args.quick else LAYOUT_SIZES, args.engines, repeats,
                      args.images, source)
        return
    if not args.scaling_only:
        throughput_table(QUICK_SIZES if args.quick else FULL_SIZES, args.engines, repeats,
                         args.images, source)
        defaults_table(QUICK_SIZES if args.quick else FULL_SIZES, args.engines, repeats,
                       args.images, source)
        if not args.no_layouts:
            layouts_table(QUICK_LAYOUT_SIZES if args.quick else LAYOUT_SIZES, args.engines,
                          repeats, args.images, source)
    if args.growth:
        growth(args.engines, repeats, args.images, source)
    if not args.no_scaling:
        scaling(args.engines, 200 if args.quick else 400, max(repeats, 3), args.images, source)


if __name__ == "__main__":
    main()
