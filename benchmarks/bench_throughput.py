"""Throughput of GradientHistogramTransformer against its peers, in one run.

Run from the repository root::

    python -m pip install -e ".[bench]"
    python benchmarks/bench_throughput.py            # the full tables, a few minutes
    python benchmarks/bench_throughput.py --quick    # smaller batches, fewer repeats
    python benchmarks/bench_throughput.py --growth   # also cost against image and batch size
    python benchmarks/bench_throughput.py --layouts-only   # only rings, grid and scales

The main table times, on uint8 images (500 of 64x64, 50 of 256x256, 2 of
2048x2048), one core, CPU time of this process:

- ``defaults [engine]``: ``GradientHistogramTransformer(n_jobs=1)``, all its
  defaults: derivative of Gaussian at ``sigma=(0.5, 1, 2)``, 36 bins, aligned
  to the dominant circular harmonic, ``normalize='sqrt'``, and the aligned
  3 x 3 grid (``layout='grid'``);
- ``defaults, global [engine]``: the same with one histogram of the whole
  image (``layout='global'``): exactly the job of ``opencv DoG``;
- ``opencv DoG``: the same job written carefully with OpenCV and numpy on one
  thread (``cv2.setNumThreads(1)``): per scale, derivative-of-Gaussian
  gradients with ``cv2.sepFilter2D`` in float32 (kernels truncated at
  4 sigma, the derivative scaled so that a unit ramp gives 1,
  ``BORDER_REFLECT``), ``cv2.cartToPolar``, the four circular harmonics
  ``sum G exp(i k theta)`` (k = 1..4) from powers of the unit gradient
  vector in float32 numpy (no trigonometry per pixel), the strongest one's
  direction as the reference angle, the 36-bin linear split relative to it
  with ``np.bincount``, and the square root of the bins over the pixel
  count. OpenCV has no counterpart of the aligned grid, so the defaults are
  given against it as they are (the job users get) and with
  ``layout='global'`` (the same job);
- ``sobel [engine]``: ``operator='sobel', rotation_invariant=False``, the
  other defaults (the grid, ``normalize='sqrt'``), and ``sobel, global
  [engine]`` the same with one histogram: exactly the job of
  ``opencv+numpy``;
- ``opencv+numpy``: ``cv2.Sobel`` (CV_32F, both axes, ``BORDER_REFLECT``),
  ``cv2.cartToPolar(angleInDegrees=True)``, the linear split with two
  ``np.bincount`` calls and the square root of the bins over the pixel
  count, one image at a time, one thread;
- ``skimage hog``: ``skimage.feature.hog`` with one cell over the whole image
  (``pixels_per_cell`` = image size, ``cells_per_block=(1, 1)``,
  ``orientations=18``: its 180 degrees in 18 bins are 36 bins' resolution),
  one call per image, against ``sobel, global``.

When the transformer has a ``dtype`` parameter, each of its rows is timed
with ``dtype='float32'`` and ``dtype='float64'``. ``[numba]`` is the compiled
engine (what ``pip install`` runs), ``[plain]`` the numpy one
(``GRADHIST_ENGINE=plain``, the fallback), timed for the two global jobs.
Ratios are throughput ratios against a peer timed in the same rounds
(above 1: the transformer is faster).

The layouts table times the transformer alone (``n_jobs=1``, 36 bins, the
library's defaults otherwise: derivative of Gaussian at ``sigma=1``, rotation
invariant, normalised) with ``layout='rings'`` and ``layout='grid'`` against
``layout='global'``, and with three scales ``sigma=(0.5, 1, 2)`` against
one (both of one global histogram), for each engine; the same three layouts
with ``operator='sobel'`` follow, then the rings with
``azimuthal_harmonics=4`` against the rings alone, at ``sigma=1`` and at the
transformer's three scales. It prints each one's CPU time as a ratio to its
reference's, measured in the same rounds.

Peers are timed in turn within each round (so a burst of load on a shared
machine hits them alike), each for at least 0.3 s per round, and the best
single time is kept. Throughput is in megapixels per second (input pixels /
best time). The scaling figure times the transformer (Sobel with one global
histogram, and all the defaults, the grid included) on 400 images of
256x256 with ``n_jobs=2`` and ``n_jobs=1`` (its default joblib backend:
threads for the compiled engine, which releases the GIL), alternating, best
of 3, and prints the load average around it.
"""

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _engines import selected_engine  # noqa: E402
from _images import batch, photograph  # noqa: E402

from gradhist_sklearn import GradientHistogramTransformer  # noqa: E402
from gradhist_sklearn._engines import numba_available  # noqa: E402

FULL_SIZES = [(500, 64), (50, 256), (2, 2048)]
QUICK_SIZES = [(100, 64), (10, 256), (1, 2048)]
BINS = 36
#: The transformer's default scales, which the OpenCV peer computes too.
SCALES = (0.5, 1.0, 2.0)
#: The precisions timed when the transformer takes a ``dtype``.
DTYPES = ("float32", "float64")
#: (row name, transformer parameters, the peer doing the same or the
#: nearest job, engines it is timed on: None for all those asked).
MAIN_CONFIGS = [
    ("defaults", {}, "opencv DoG", ("numba",)),
    ("defaults, global", dict(layout="global"), "opencv DoG", None),
    ("sobel", dict(operator="sobel", rotation_invariant=False), "opencv+numpy", ("numba",)),
    ("sobel, global", dict(operator="sobel", rotation_invariant=False, layout="global"),
     "opencv+numpy", None),
]
#: Rows also given against ``skimage hog`` (one histogram, no alignment).
HOG_ROWS = ("sobel, global",)
LAYOUT_SIZES = [(2000, 64), (200, 256), (4, 2048)]
QUICK_LAYOUT_SIZES = [(50, 256)]
#: (name, transformer parameters, the configuration it is compared with).
#: One scale (``sigma=1``) for the layouts, since the defaults are three:
#: the scales' row is then three against one.
LAYOUT_CONFIGS = [
    ("global", dict(layout="global", sigma=1.0), None),
    ("rings", dict(layout="rings", sigma=1.0), "global"),
    ("grid", dict(layout="grid", sigma=1.0), "global"),
    ("sigma=(0.5, 1, 2)", dict(layout="global", sigma=(0.5, 1.0, 2.0)), "global"),
    ("global, sobel", dict(layout="global", operator="sobel"), None),
    ("rings, sobel", dict(layout="rings", operator="sobel"), "global, sobel"),
    ("grid, sobel", dict(layout="grid", operator="sobel"), "global, sobel"),
    # The rings' azimuthal harmonics against the rings alone, at one scale and
    # at the transformer's three.
    ("rings, azimuthal 4", dict(layout="rings", sigma=1.0, azimuthal_harmonics=4), "rings"),
    ("rings, 3 scales", dict(layout="rings"), None),
    ("rings, 3 scales, azimuthal 4", dict(layout="rings", azimuthal_harmonics=4),
     "rings, 3 scales"),
]


def has_dtype():
    """Whether the transformer takes a ``dtype`` (its working precision)."""
    return "dtype" in GradientHistogramTransformer().get_params()


def transformer_peer(engine, **params):
    """The transformer with its defaults but ``params``, on ``engine``, one job."""
    def run(images):
        with selected_engine(engine):
            return GradientHistogramTransformer(n_jobs=1, **params).fit_transform(images)

    return run


def hog_peer(images):
    from skimage.feature import hog

    side = images.shape[1:]
    return [hog(image, orientations=BINS // 2, pixels_per_cell=side, cells_per_block=(1, 1))
            for image in images]


def linear_split(angle_degrees, magnitude, shift_bins=0.0):
    """36 bins of the magnitudes, each angle split linearly between its two
    nearest bin centres, after turning by ``shift_bins`` (in [0, BINS));
    ``cartToPolar`` angles are in [0, 360]."""
    position = angle_degrees.ravel() * np.float32(BINS / 360.0)
    if shift_bins:
        position += np.float32(shift_bins)  # now in [0, 2 * BINS)
    lower = np.floor(position)
    upper_weight = (position - lower) * magnitude.ravel()
    lower = lower.astype(np.intp)
    lower[lower >= BINS] -= BINS
    upper = lower + 1
    upper[upper == BINS] = 0
    histogram = np.bincount(lower, magnitude.ravel() - upper_weight, minlength=BINS)
    histogram += np.bincount(upper, upper_weight, minlength=BINS)
    return histogram


def opencv_peer(images):
    """Sobel, ``cartToPolar``, the linear split, the root of the bins over
    the pixel count: one histogram per image."""
    import cv2

    out = []
    for image in images:
        gx = cv2.Sobel(image, cv2.CV_32F, 1, 0, ksize=3, borderType=cv2.BORDER_REFLECT)
        gy = cv2.Sobel(image, cv2.CV_32F, 0, 1, ksize=3, borderType=cv2.BORDER_REFLECT)
        magnitude, angle = cv2.cartToPolar(gx, gy, angleInDegrees=True)
        out.append(np.sqrt(linear_split(angle, magnitude) / image.size))
    return out


def dog_kernels(sigma):
    """float32 derivative-of-Gaussian and Gaussian kernels (correlations),
    truncated at 4 sigma; a ramp rising by 1 per pixel gives 1."""
    radius = max(1, int(4.0 * sigma + 0.5))
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    gaussian = np.exp(-x * x / (2.0 * sigma * sigma))
    derivative = x * gaussian
    derivative /= np.dot(x, derivative)
    return derivative.astype(np.float32), (gaussian / gaussian.sum()).astype(np.float32)


def reference_angle(gx, gy, magnitude):
    """Direction (degrees) of the strongest of the circular harmonics
    ``c_k = sum G exp(i k theta)``, k = 1..4, from powers of the unit vector
    ``(cos, sin) = (gx, gy) / G``: float32 products, one ``atan2`` per image."""
    gx, gy, magnitude = gx.ravel(), gy.ravel(), magnitude.ravel()
    # Where G is 0 so are gx and gy: a huge finite inverse keeps their products 0.
    inverse = np.float32(1.0) / np.maximum(magnitude, np.float32(1e-30))
    cos, sin = gx * inverse, gy * inverse
    # G * u**k, from G * u = (gx, gy): multiply by u (or u**2) each time;
    # the last products only ever summed, as dot products.
    real2 = gx * cos - gy * sin
    imag2 = 2.0 * gx * sin
    cos2, sin2 = real2 * inverse, imag2 * inverse
    harmonics = [complex(gx.sum(), gy.sum()), complex(real2.sum(), imag2.sum()),
                 complex(np.dot(real2, cos) - np.dot(imag2, sin),
                         np.dot(imag2, cos) + np.dot(real2, sin)),
                 complex(np.dot(real2, cos2) - np.dot(imag2, sin2),
                         np.dot(imag2, cos2) + np.dot(real2, sin2))]
    k = int(np.argmax(np.abs(harmonics))) + 1
    return np.degrees(np.angle(harmonics[k - 1])) / k


def opencv_dog_peer(images):
    """The transformer's ``layout='global'`` job with OpenCV: per default
    scale, derivative-of-Gaussian gradients, the dominant harmonic's angle,
    the linear split relative to it, the root of the bins over the pixels."""
    import cv2

    kernels = [dog_kernels(sigma) for sigma in SCALES]
    out = []
    for image in images:
        row = []
        for derivative, smoothing in kernels:
            gx = cv2.sepFilter2D(image, cv2.CV_32F, derivative, smoothing,
                                 borderType=cv2.BORDER_REFLECT)
            gy = cv2.sepFilter2D(image, cv2.CV_32F, smoothing, derivative,
                                 borderType=cv2.BORDER_REFLECT)
            magnitude, angle = cv2.cartToPolar(gx, gy, angleInDegrees=True)
            reference = reference_angle(gx, gy, magnitude)
            shift = (-reference * BINS / 360.0) % BINS
            row.append(np.sqrt(linear_split(angle, magnitude, shift) / image.size))
        out.append(np.concatenate(row))
    return out


def main_peers(engines):
    """``{row name: function}`` of the main table, and the rows' peers."""
    engines = [e for e in engines if e != "numba" or numba_available()]
    dtypes = DTYPES if has_dtype() else (None,)
    functions, against = {}, {}
    for name, params, peer, only in MAIN_CONFIGS:
        for engine in engines:
            if only is not None and engine not in only:
                continue
            for dtype in dtypes:
                extra = {} if dtype is None else {"dtype": dtype}
                label = name if dtype is None else f"{name}, {dtype}"
                functions[f"{label} [{engine}]"] = transformer_peer(engine, **params, **extra)
                against[f"{label} [{engine}]"] = [peer] + (["skimage hog"]
                                                           if name in HOG_ROWS else [])
    try:
        import cv2
    except ImportError:
        print("opencv: OpenCV is not installed (pip install -e '.[bench]'), its peers skipped")
    else:
        cv2.setNumThreads(1)
        functions["opencv DoG"] = opencv_dog_peer
        functions["opencv+numpy"] = opencv_peer
    functions["skimage hog"] = hog_peer
    return functions, against


def main_table(sizes, engines, repeats, kind, source):
    """Every row of the main table at each size; ``{(row, side): Mpx/s}``
    and ``{(row, peer, side): ratio}``."""
    functions, against = main_peers(engines)
    if has_dtype():
        print("The transformer takes dtype: its rows are timed with float32 and float64.")
    else:
        print("The transformer has no dtype parameter: its rows are timed as it computes "
              "today.")
    rates, ratios = {}, {}
    for n_images, side in sizes:
        images = batch(n_images, side, kind, source=source)
        megapixels = images.size / 1e6
        # CPU time of this process: everything runs in it on one thread (BLAS
        # too, which numpy's dot products would otherwise spread), and unlike
        # wall time it does not count the moments another process held the core.
        with threadpool_limits(1):
            times = best_times(functions, images, repeats, clock=time.process_time)
        print(f"\n{n_images} images of {side}x{side} ({megapixels:.1f} Mpx), CPU seconds, "
              f"best of {repeats} rounds, {load()}")
        print(f"  {'row':<28} {'CPU s':>9} {'Mpx/s':>8}  throughput ratio to peers")
        for name, seconds in times.items():
            rates[name, side] = megapixels / seconds
            line = f"  {name:<28} {seconds:9.4f} {megapixels / seconds:8.1f} "
            for peer in against.get(name, []):
                if peer in times:
                    ratios[name, peer, side] = times[peer] / seconds
                    line += f" {times[peer] / seconds:6.2f}x {peer}"
            print(line)
    print_summary(sizes, rates, ratios)
    return rates, ratios


def print_summary(sizes, rates, ratios):
    """The main table once more, one row per configuration, one column per size."""
    header = "".join(f"{f'{n} x {s}x{s}':>16}" for n, s in sizes)
    print(f"\nSummary, Mpx/s of CPU time (ratio: peer's time / row's time)\n"
          f"  {'':<46}{header}")
    names = list(dict.fromkeys(name for name, _ in rates))
    for name in names:
        print(f"  {name:<46}" + "".join(f"{rates.get((name, s), np.nan):16.1f}"
                                       for _, s in sizes))
    for name, peer in dict.fromkeys((name, peer) for name, peer, _ in ratios):
        label = f"{name} / {peer}"
        print(f"  {label:<46}" + "".join(f"{ratios.get((name, peer, s), np.nan):15.2f}x"
                                       for _, s in sizes))


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


def layouts_table(sizes, engines, repeats, kind, source):
    """Rings, grid and three scales against the global histogram, per engine."""
    engines = [e for e in engines if e != "numba" or numba_available()]
    rows = []
    for n_images, side in sizes:
        images = batch(n_images, side, kind, source=source)
        megapixels = images.size / 1e6
        functions = {(engine, name): transformer_peer(engine, angle_bins=BINS, **params)
                     for engine in engines for name, params, _ in LAYOUT_CONFIGS}
        # CPU time of this process: everything runs in it (n_jobs=1), and
        # unlike wall time it does not count the moments another process
        # held the core, which on a shared machine swing the ratios.
        times = best_times(functions, images, repeats, clock=time.process_time)
        print(f"\nLayouts and scales: {n_images} images of {side}x{side} ({megapixels:.1f} Mpx), "
              f"CPU seconds, best of {repeats} rounds, {load()}")
        print(f"  {'engine':<8} {'configuration':<29} {'CPU s':>9} {'Mpx/s':>8} {'ratio':>7}")
        for engine in engines:
            for name, _, against in LAYOUT_CONFIGS:
                seconds = times[engine, name]
                line = f"  {engine:<8} {name:<29} {seconds:9.4f} {megapixels / seconds:8.1f}"
                if against is not None:
                    ratio = seconds / times[engine, against]
                    line += f" {ratio:6.2f}x the time of {against!r}"
                    rows.append((side, engine, name, ratio))
                print(line)
    return rows


#: (name, transformer parameters) timed with n_jobs=2 against n_jobs=1.
SCALING_CONFIGS = [("sobel, global", dict(operator="sobel", layout="global")),
                   ("defaults (grid)", {})]


def scaling(engines, n_images, repeats, kind, source):
    images = batch(n_images, 256, kind, source=source)
    print(f"\nScaling: {n_images} images of 256x256, n_jobs=2 against n_jobs=1, "
          f"alternating, best of {repeats} rounds, wall time")
    results = []
    for engine in engines:
        if engine == "numba" and not numba_available():
            continue
        for name, params in SCALING_CONFIGS:
            results.append(_scaling_of(engine, name, params, images, repeats))
    return results


def _scaling_of(engine, name, params, images, repeats):
    """n_jobs=2 against n_jobs=1 for one engine and configuration."""
    megapixels = images.size / 1e6
    with selected_engine(engine):
        one = GradientHistogramTransformer(n_jobs=1, **params)
        two = GradientHistogramTransformer(n_jobs=2, **params)
        two.fit_transform(images[:64])  # start the workers
        before = load()
        best = best_times({1: one.fit_transform, 2: two.fit_transform}, images, repeats,
                          budget=0.0)
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
    print(f"  gradhist [{engine}] {name}: n_jobs=1 {best[1]:.3f} s "
          f"({megapixels / best[1]:.1f} Mpx/s), n_jobs=2 {best[2]:.3f} s "
          f"({megapixels / best[2]:.1f} Mpx/s), ratio {ratio:.2f}x")
    print(f"    {before} before, {after} after")
    if engine == "numba":  # threads: the process's CPU time covers both workers
        print(f"    CPU seconds per run: n_jobs=1 {cpu[1]:.3f}, n_jobs=2 {cpu[2]:.3f} "
              f"(both threads); on two idle cores that is a ratio of about "
              f"{2 * cpu[1] / cpu[2]:.2f}x")
    return engine, name, ratio


def growth(engines, repeats, kind, source):
    """How the cost grows with image size (same pixel total) and batch size,
    with Sobel and one global histogram."""
    engines = [e for e in engines if e != "numba" or numba_available()]
    params = dict(operator="sobel", layout="global")
    print("\nCost against image size (sobel, global): about 4 Mpx per batch, Mpx/s")
    print("  " + f"{'image':<12}" + "".join(f"{e:>10}" for e in engines))
    for side in (8, 28, 64, 256, 1024, 2048):
        images = batch(max(1, 2**22 // (side * side)), side, kind, source=source)
        cells = []
        for engine in engines:
            times = best_times({engine: transformer_peer(engine, **params)}, images, repeats)
            cells.append(f"{images.size / 1e6 / times[engine]:10.1f}")
        print(f"  {f'{side}x{side}':<12}" + "".join(cells))
    print("\nCost against batch size: 28x28 images, microseconds per call and per image")
    print("  " + f"{'images':<8}" + "".join(f"{e + ' call':>14}{e + ' image':>14}"
                                            for e in engines))
    for n_images in (1, 10, 100, 1000, 10000, 60000):
        images = batch(n_images, 28, kind, source=source)
        cells = []
        for engine in engines:
            seconds = best_times({engine: transformer_peer(engine, **params)}, images,
                                 repeats)[engine]
            cells.append(f"{seconds * 1e6:14.0f}{seconds * 1e6 / n_images:14.2f}")
        print(f"  {n_images:<8}" + "".join(cells))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="smaller batches (100x64, 10x256, 1x2048; 200 for scaling) "
                             "and 2 repeats")
    parser.add_argument("--repeats", type=int, default=None,
                        help="rounds, best kept (default 3, quick 2); within a round each "
                             "peer runs for at least 0.3 s")
    parser.add_argument("--engines", nargs="+", default=["numba", "plain"],
                        choices=["numba", "plain"], help="gradhist engines to time")
    parser.add_argument("--scaling-engines", nargs="+", default=["numba"],
                        choices=["numba", "plain"],
                        help="engines of the n_jobs figure (default: the compiled one)")
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
        main_table(QUICK_SIZES if args.quick else FULL_SIZES, args.engines, repeats,
                   args.images, source)
        if not args.no_layouts:
            layouts_table(QUICK_LAYOUT_SIZES if args.quick else LAYOUT_SIZES, args.engines,
                          repeats, args.images, source)
    if args.growth:
        growth(args.engines, repeats, args.images, source)
    if not args.no_scaling:
        scaling(args.scaling_engines, 200 if args.quick else 400, max(repeats, 3), args.images,
                source)


if __name__ == "__main__":
    main()
