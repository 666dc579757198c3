"""Peak Python-traced memory while transforming a memory-mapped batch.

Run from the repository root::

    python benchmarks/bench_memory.py                  # 20,000 and 2,000 images, both engines
    python benchmarks/bench_memory.py --quick          # the installed default engine only
    python benchmarks/bench_memory.py --n-jobs 2       # the parent's peak with two workers

It writes ``--n-images`` (default 20,000) uint8 images of 256x256 to a ``.npy``
file (1.3 GB, in ``--dir``, by default the system's temporary folder; removed
afterwards unless ``--keep``), opens it with ``np.load(mmap_mode='r')`` and
transforms the first 2,000 images, then all of them, reporting the peak of
``tracemalloc`` (every allocation made through Python's and numpy's
allocators, in this process) during each ``fit_transform``. The peak should
be the same for both batch sizes: the transformer reads the file chunk by
chunk, and only the output grows with the batch (one histogram of each
whole image with ``operator='sobel'``: 36 float64 per image, 5.8 MB for
20,000 images).
"""

import argparse
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _engines import selected_engine  # noqa: E402
from _images import batch, photograph  # noqa: E402

from gradhist_sklearn import GradientHistogramTransformer  # noqa: E402
from gradhist_sklearn._engines import numba_available, resolve_engine  # noqa: E402

SIDE = 256
LIMIT_MB = 256


def write_batch(path, n_images):
    """Write the images in blocks, never holding the batch in memory."""
    source = photograph()
    mapped = np.lib.format.open_memmap(path, mode="w+", dtype=np.uint8,
                                       shape=(n_images, SIDE, SIDE))
    block = 1000
    for start in range(0, n_images, block):
        stop = min(start + block, n_images)
        mapped[start:stop] = batch(stop - start, SIDE, seed=start, source=source)
    mapped.flush()
    del mapped


def measure(path, n_images, engine, n_jobs):
    with selected_engine(engine):
        images = np.load(path, mmap_mode="r")[:n_images]
        transformer = GradientHistogramTransformer(operator="sobel", layout="global",
                                                   n_jobs=n_jobs)
        transformer.fit_transform(images[:4])  # compile / start workers outside the peak
        tracemalloc.start()
        tracemalloc.reset_peak()
        start = time.perf_counter()
        features = transformer.fit_transform(images)
        seconds = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    megapixels = images.size / 1e6
    verdict = "under" if peak < LIMIT_MB * 2**20 else "OVER"
    print(f"  {engine:<6} n_jobs={n_jobs} {n_images:>6} images: peak {peak / 2**20:7.1f} MiB "
          f"({verdict} {LIMIT_MB} MiB), output {features.nbytes / 2**20:5.1f} MiB, "
          f"{seconds:6.1f} s, {megapixels / seconds:6.1f} Mpx/s")
    return peak


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n-images", type=int, default=20000)
    parser.add_argument("--small", type=int, default=2000,
                        help="the smaller batch, to show the peak does not grow")
    parser.add_argument("--engines", nargs="+", choices=["numba", "plain"], default=None,
                        help="default: both (--quick: the installed default)")
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--dir", default=None, help="folder for the .npy file")
    parser.add_argument("--keep", action="store_true", help="keep the .npy file")
    parser.add_argument("--quick", action="store_true",
                        help="only the engine GRADHIST_ENGINE (or the install) selects")
    args = parser.parse_args(argv)
    if args.engines is None:
        if args.quick:
            args.engines = [resolve_engine()]
        else:
            args.engines = ["numba", "plain"] if numba_available() else ["plain"]
    folder = Path(args.dir or tempfile.gettempdir())
    path = folder / f"gradhist_bench_{args.n_images}x{SIDE}x{SIDE}.npy"
    if not path.exists():
        start = time.perf_counter()
        write_batch(path, args.n_images)
        print(f"wrote {path} ({path.stat().st_size / 1e9:.2f} GB) in "
              f"{time.perf_counter() - start:.1f} s")
    try:
        print(f"tracemalloc peak during fit_transform of a memory-mapped uint8 batch "
              f"of {SIDE}x{SIDE} images")
        for engine in args.engines:
            for n_images in (args.small, args.n_images):
                measure(path, n_images, engine, args.n_jobs)
    finally:
        if not args.keep:
            path.unlink()


if __name__ == "__main__":
    main()
