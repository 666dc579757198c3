"""Classification accuracy of the layouts against hog and raw pixels, in one run.

Run from the repository root::

    python benchmarks/bench_classification.py            # every data set, a few minutes
    python benchmarks/bench_classification.py --quick    # fewer configurations
    python benchmarks/bench_classification.py --azimuthal   # the rings' azimuthal harmonics
                                                             # against the peers
    python benchmarks/bench_classification.py --choosing # the "Choosing parameters" table

``--choosing`` prints the table of the user guide's "Choosing parameters"
section: the layouts, ``rotation_invariant``, the scales and the
normalisation, beside hog and raw pixels, on upright digits, turned digits
and turned textures (about three minutes on one core).

Every model is ``StandardScaler() + SVC(C=10)``.

- **Turned digits**: ``load_digits``; each 8x8 image resized to 24x24
  (``skimage.transform.resize``, ``order=3``, ``preserve_range=True``),
  zero-padded by 6 on every side (36x36) and turned by an angle drawn
  uniformly from [0, 360) (``skimage.transform.rotate``, ``order=3``,
  ``preserve_range=True``, seed 0); 5-fold ``cross_val_score``.
- **Upright digits**: the same 36x36 images, not turned; and the raw 8x8
  ``load_digits`` images.
- **Textures**: scikit-image's brick, grass and gravel; 64x64 patches (a
  regular grid of them, half for training), trained on upright patches and
  tested on the other patches, each turned by a random angle (cubic, about
  its centre, the corners outside the inscribed disc filled by reflection).

hog is ``skimage.feature.hog(orientations=9, pixels_per_cell=(9, 9),
cells_per_block=(2, 2))`` on the 36x36 digits and ``pixels_per_cell=(8, 8)``
on the 8x8 ones (one cell), ``(16, 16)`` on the 64x64 textures.

``--azimuthal`` prints turned digits, upright digits and textures for the
rings with and without ``azimuthal_harmonics`` (and its companion
options), against the peers a user would pick for turned objects, each
skipped with a message when its package is missing (they are in the
``bench`` extra, never dependencies):

- hog (above);
- rotation-invariant uniform LBP (``skimage.feature.local_binary_pattern``,
  ``method='uniform'``), the normalised histograms of ``(P, R)`` = (8, 1),
  (16, 2) and (24, 3) side by side, of each image scaled to 0..255 integers;
- Zernike moments (``mahotas.features.zernike_moments(image, radius,
  degree=12)``, radius half the image's side, about the centre of mass),
  without ``|A00|`` and ``|A11|``, which are constant by construction;
- wavelet scattering (kymatio 0.3.0,
  ``ScatteringNumPy2D(J=3, shape=..., L=8)``), averaged over its
  orientations: the first order over ``theta``, the second over ``theta1``
  at each scale pair and relative angle ``theta2 - theta1``, every
  position of its output kept. The column ``s`` is the seconds each row
  took (features of the three sets and the fits).
"""

import argparse
import time

import numpy as np
from skimage import data
from skimage.feature import hog
from skimage.transform import resize, rotate
from sklearn.datasets import load_digits
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from gradhist_sklearn import GradientHistogramTransformer


def digits_36(turned, seed=0):
    X, y = load_digits(return_X_y=True)
    angles = np.random.default_rng(seed).uniform(0, 360, len(X))
    images = []
    for row, angle in zip(X, angles, strict=True):
        image = np.pad(resize(row.reshape(8, 8), (24, 24), order=3, preserve_range=True), 6)
        if turned:
            image = rotate(image, angle, order=3, preserve_range=True)
        images.append(image)
    return np.array(images), y


def texture_patches(seed=0, size=64):
    """Upright training patches and turned test patches of three textures."""
    rng = np.random.default_rng(seed)
    train, train_y, test, test_y = [], [], [], []
    for label, image in enumerate([data.brick(), data.grass(), data.gravel()]):
        image = image.astype(np.float64)
        patches = [image[r:r + size, c:c + size]
                   for r in range(0, image.shape[0] - size + 1, size // 2)
                   for c in range(0, image.shape[1] - size + 1, size // 2)]
        order = rng.permutation(len(patches))
        for k, index in enumerate(order):
            patch = patches[index]
            if k % 2:
                angle = rng.uniform(0, 360)
                test.append(rotate(patch, angle, order=3, mode="reflect", preserve_range=True))
                test_y.append(label)
            else:
                train.append(patch)
                train_y.append(label)
    return np.array(train), np.array(train_y), np.array(test), np.array(test_y)


def hog_rows(images, cell):
    block = (2, 2) if images.shape[1] >= 2 * cell else (1, 1)
    return np.array([hog(image, orientations=9, pixels_per_cell=(cell, cell),
                         cells_per_block=block) for image in images])


def model():
    return make_pipeline(StandardScaler(), SVC(C=10))


def cv_score(features, y):
    return cross_val_score(model(), features, y, cv=5).mean()


def transfer_score(train, train_y, test, test_y):
    return model().fit(train, train_y).score(test, test_y)


def configurations(quick):
    configs = {
        "gradhist global": dict(layout="global"),
        "rings (defaults otherwise)": dict(layout="rings"),
        "grid upright (defaults otherwise)": dict(layout="grid", rotation_invariant=False),
        "rings, sigma (0.5, 1, 2, 4), hellinger": dict(
            layout="rings", sigma=(0.5, 1, 2, 4), normalize="hellinger"),
        "global, centre_of_mass_rebin": dict(
            layout="global", invariance="centre_of_mass_rebin"),
        "global, Sobel": dict(layout="global", operator="sobel"),
        "global, sigma (1, 2, 4), hellinger": dict(
            layout="global", sigma=(1, 2, 4), normalize="hellinger"),
        "rings 3, 16 bins, sigma (1, 2, 4), hellinger": dict(
            layout="rings", n_rings=3, angle_bins=16, sigma=(1, 2, 4), normalize="hellinger"),
        "rings 3, 36 bins, sigma (1, 2, 4), hellinger": dict(
            layout="rings", n_rings=3, sigma=(1, 2, 4), normalize="hellinger"),
        "rings 4, 16 bins, sigma (1, 2, 4), hellinger": dict(
            layout="rings", n_rings=4, angle_bins=16, sigma=(1, 2, 4), normalize="hellinger"),
        "grid 4x4 upright, 16 bins, sigma (1, 2), hellinger": dict(
            layout="grid", grid_shape=(4, 4), rotation_invariant=False, angle_bins=16,
            sigma=(1, 2), normalize="hellinger"),
        "grid 3x3 aligned, 16 bins, sigma (1, 2, 4), hellinger": dict(
            layout="grid", angle_bins=16, sigma=(1, 2, 4), normalize="hellinger"),
        "grid 3x3 mean-aligned, 16 bins, sigma (1, 2, 4), hellinger": dict(
            layout="grid", angle_bins=16, sigma=(1, 2, 4), normalize="hellinger",
            invariance="centre_of_mass_rebin"),
    }
    if quick:  # the three layouts, and every other row after them
        items = list(configs.items())
        configs = dict(items[:3] + items[3::2])
    return configs


def textures_only(configs):
    """The texture column alone (upright training, turned test patches)."""
    train, train_y, test, test_y = texture_patches()
    print(f"{'features':<60} {'texture':>8} {'s':>6}")
    for name, params in configs.items():
        start = time.perf_counter()
        transform = GradientHistogramTransformer(**params).fit_transform
        score = transfer_score(transform(train), train_y, transform(test), test_y)
        print(f"{name:<60} {100 * score:7.1f}% {time.perf_counter() - start:6.1f}", flush=True)


def lbp_rows(images, _cell=None):
    """Rotation-invariant uniform LBP histograms at three radii."""
    from skimage.feature import local_binary_pattern

    rows = []
    for image in images:
        # Integer grey levels, as local_binary_pattern asks: 0..255 over the image's range.
        span = max(image.max() - image.min(), 1e-12)
        image = np.round((image - image.min()) / span * 255).astype(np.uint8)
        parts = []
        for points, radius in ((8, 1), (16, 2), (24, 3)):
            codes = local_binary_pattern(image, points, radius, method="uniform")
            counts = np.bincount(codes.astype(np.intp).ravel(), minlength=points + 2)
            parts.append(counts / counts.sum())
        rows.append(np.concatenate(parts))
    return np.array(rows)


def zernike_rows(images, _cell=None):
    """Zernike moments of degree 12 (mahotas), without |A00| and |A11|."""
    from mahotas.features import zernike_moments

    radius = images.shape[1] // 2
    return np.array([zernike_moments(image, radius, degree=12)[2:] for image in images])


def scattering_rows(images, _cell=None, J=3, L=8):
    """Wavelet scattering (kymatio 0.3.0) averaged over its orientations."""
    from kymatio.scattering2d.frontend.numpy_frontend import ScatteringNumPy2D

    scattering = ScatteringNumPy2D(J=J, shape=images.shape[1:], L=L)
    coefficients = np.concatenate([scattering(images[start:start + 256].astype(np.float64))
                                   for start in range(0, len(images), 256)])
    first = coefficients[:, 1:1 + J * L].reshape(len(images), J, L, -1).mean(axis=2)
    second, index = [], 1 + J * L
    for j1 in range(J):
        for theta1 in range(L):
            for j2 in range(j1 + 1, J):
                for theta2 in range(L):
                    second.append((j1, j2, (theta2 - theta1) % L, index))
                    index += 1
    pairs = sorted({(j1, j2, delta) for j1, j2, delta, _ in second})
    averaged = [coefficients[:, [i for a, b, d, i in second if (a, b, d) == key]].mean(axis=1)
                for key in pairs]
    parts = [coefficients[:, :1], first, np.stack(averaged, axis=1)]
    return np.concatenate([part.reshape(len(images), -1) for part in parts], axis=1)


#: The peers of ``--azimuthal``: (name, module it needs, rows(images, hog cell)).
AZIMUTHAL_PEERS = [
    ("skimage hog", "skimage", hog_rows),
    ("LBP riu2 (8,1)+(16,2)+(24,3)", "skimage", lbp_rows),
    ("Zernike moments, degree 12 (mahotas)", "mahotas", zernike_rows),
    ("scattering J=3, L=8, orientation-averaged (kymatio)", "kymatio", scattering_rows),
]


def azimuthal_configurations(quick):
    """gradhist rows of ``--azimuthal``: name and parameters."""
    rings = dict(layout="rings")
    k4 = dict(rings, azimuthal_harmonics=4)
    configs = [
        ("rings (defaults otherwise)", rings),
        ("rings, azimuthal_harmonics=4", k4),
        ("rings, azimuthal_harmonics=4, 'ring_pairs'",
         dict(k4, azimuthal_invariants="ring_pairs")),
        ("rings, azimuthal_harmonics=4, 'magnitudes'",
         dict(k4, azimuthal_invariants="magnitudes")),
        ("rings, azimuthal_harmonics=2", dict(rings, azimuthal_harmonics=2)),
        ("rings, azimuthal_harmonics=3", dict(rings, azimuthal_harmonics=3)),
        ("rings, azimuthal_harmonics=6", dict(rings, azimuthal_harmonics=6)),
        ("rings, azimuthal_harmonics=4, azimuthal_bins=8", dict(k4, azimuthal_bins=8)),
        ("rings, azimuthal_harmonics=4, azimuthal_bins=12", dict(k4, azimuthal_bins=12)),
        ("global, the defaults otherwise", dict(layout="global")),
    ]
    return configs[:3] + configs[-1:] if quick else configs


def azimuthal_table(quick):
    """Turned digits, upright digits and textures: the rings with and
    without azimuthal harmonics, and the peers."""
    import importlib.util

    turned, y = digits_36(turned=True)
    upright, _ = digits_36(turned=False)
    train, train_y, test, test_y = texture_patches()
    print(f"{'features':<56} {'columns':>7} {'turned':>7} {'upright':>8} {'texture':>8} "
          f"{'s':>6}")

    def report(name, features):
        start = time.perf_counter()
        rows = features(turned, 9)
        scores = [cv_score(rows, y), cv_score(features(upright, 9), y),
                  transfer_score(features(train, 16), train_y, features(test, 16), test_y)]
        print(f"{name:<56} {rows.shape[1]:7d} " + " ".join(f"{100 * v:7.1f}%" for v in scores)
              + f" {time.perf_counter() - start:6.1f}", flush=True)

    for name, module, rows in AZIMUTHAL_PEERS:
        if importlib.util.find_spec(module) is None:
            print(f"{name:<56} skipped: {module} is not installed "
                  f"(pip install -e '.[bench]')")
            continue
        report(name, rows)
    for name, params in azimuthal_configurations(quick):
        transformer = GradientHistogramTransformer(**params)
        report(name, lambda images, _cell, transformer=transformer:
               transformer.fit_transform(images))

def choosing_configurations():
    """One question per group of rows: the layout with and without rotation
    invariance, then the scales, then the normalisation (the defaults
    otherwise: 36 bins, ``sigma=(0.5, 1, 2)``, ``normalize="sqrt"``)."""
    return {
        "global, rotation_invariant=True": dict(layout="global"),
        "global, rotation_invariant=False": dict(layout="global", rotation_invariant=False),
        "rings, rotation_invariant=True": dict(layout="rings"),
        "grid, rotation_invariant=False": dict(layout="grid", rotation_invariant=False),
        "grid, rotation_invariant=True": dict(layout="grid", rotation_invariant=True),
        "rings, sigma=1": dict(layout="rings", sigma=1.0),
        "grid (upright), sigma=1": dict(layout="grid", rotation_invariant=False, sigma=1.0),
        "global, sigma=1": dict(layout="global", sigma=1.0),
        "rings, normalize='hellinger'": dict(layout="rings", normalize="hellinger"),
        "grid (upright), normalize='hellinger'": dict(
            layout="grid", rotation_invariant=False, normalize="hellinger"),
        "global, normalize='hellinger'": dict(layout="global", normalize="hellinger"),
        "rings, normalize='pixels'": dict(layout="rings", normalize="pixels"),
    }


def choosing_scores(features, upright, turned, y, textures):
    """Upright digits and turned digits (5-fold), textures (upright training,
    turned test), for one way of computing features from a stack."""
    train, train_y, test, test_y = textures
    return [cv_score(features(upright), y), cv_score(features(turned), y),
            transfer_score(features(train), train_y, features(test), test_y)]


def choosing_table(dtype="float64"):
    """The user guide's "Choosing parameters" table, one row per line, the
    gradhist rows computed in ``dtype``."""
    turned, y = digits_36(turned=True)
    upright, _ = digits_36(turned=False)
    textures = texture_patches()
    print(f"{'features':<42} {'upright':>8} {'turned':>8} {'texture':>8} {'s':>6}")
    rows = {"raw pixels": lambda X: X.reshape(len(X), -1),
            "skimage hog": lambda X: hog_rows(X, 9 if X.shape[1] < 64 else 16)}
    rows.update({name: GradientHistogramTransformer(dtype=dtype, **params).fit_transform
                 for name, params in choosing_configurations().items()})
    for name, features in rows.items():
        start = time.perf_counter()
        scores = choosing_scores(features, upright, turned, y, textures)
        print(f"{name:<42} " + " ".join(f"{100 * v:7.1f}%" for v in scores)
              + f" {time.perf_counter() - start:6.1f}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer configurations")
    parser.add_argument("--azimuthal", action="store_true",
                        help="the rings' azimuthal harmonics against the peers for turned "
                             "objects (hog, LBP, Zernike moments, scattering)")
    parser.add_argument("--choosing", action="store_true",
                        help="the user guide's \"Choosing parameters\" table, and stop")
    parser.add_argument("--dtype", choices=("float64", "float32"), default="float64",
                        help="the precision of the gradhist rows of --choosing")
    parser.add_argument("--textures-only", action="store_true",
                        help="only the texture column, for the gradhist configurations")
    args = parser.parse_args()
    if args.azimuthal:
        azimuthal_table(args.quick)
        return
    if args.choosing:
        choosing_table(args.dtype)
        return
    if args.textures_only:
        textures_only(configurations(args.quick))
        return
    turned, y = digits_36(turned=True)
    upright, _ = digits_36(turned=False)
    small, _ = load_digits(return_X_y=True)
    train, train_y, test, test_y = texture_patches()
    print(f"{'features':<52} {'turned':>7} {'upright':>8} {'8x8':>7} {'texture':>8} {'s':>6}")
    peers = {
        "raw pixels": lambda X, cell: X.reshape(len(X), -1),
        "skimage hog": lambda X, cell: hog_rows(X, cell),
    }
    for name, features in peers.items():
        start = time.perf_counter()
        row = [cv_score(features(turned, 9), y), cv_score(features(upright, 9), y),
               cv_score(features(small.reshape(-1, 8, 8), 8), y),
               transfer_score(features(train, 16), train_y, features(test, 16), test_y)]
        print(f"{name:<52} " + " ".join(f"{100 * v:7.1f}%" for v in row)
              + f" {time.perf_counter() - start:6.1f}")
    for name, params in configurations(args.quick).items():
        start = time.perf_counter()
        transform = GradientHistogramTransformer(**params).fit_transform
        row = [cv_score(transform(turned), y), cv_score(transform(upright), y),
               cv_score(transform(small.reshape(-1, 8, 8)), y),
               transfer_score(transform(train), train_y, transform(test), test_y)]
        print(f"{name:<52} " + " ".join(f"{100 * v:7.1f}%" for v in row)
              + f" {time.perf_counter() - start:6.1f}", flush=True)


if __name__ == "__main__":
    main()
