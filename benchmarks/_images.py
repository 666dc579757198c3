"""Benchmark images: crops of a photograph upsampled to 2048x2048, with noise.

Natural images have flat areas and long edges, so many neighbouring pixels
fall into the same bin; uniform noise does not. Both are offered, natural by
default. Everything is deterministic (fixed seeds).
"""

import numpy as np

SIZE = 2048


def photograph():
    """A 2048x2048 uint8 picture: scikit-image's camera, cubic-upsampled, plus
    a little Gaussian noise (sigma 2) so that upsampling leaves no exactly flat
    plateaus."""
    from skimage import data, transform

    big = transform.resize(data.camera(), (SIZE, SIZE), order=3, preserve_range=True)
    big += np.random.default_rng(0).normal(0.0, 2.0, big.shape)
    return np.clip(np.rint(big), 0, 255).astype(np.uint8)


def batch(n_images, side, kind="natural", seed=1, source=None):
    """``n_images`` uint8 images of ``side`` x ``side`` pixels."""
    rng = np.random.default_rng(seed)
    if kind == "noise":
        return rng.integers(0, 256, size=(n_images, side, side), dtype=np.uint8)
    source = photograph() if source is None else source
    if side >= SIZE:
        views = [source, source.T, source[::-1], source[:, ::-1]]
        return np.stack([views[i % 4] for i in range(n_images)])
    corners = rng.integers(0, SIZE - side, size=(n_images, 2))
    out = np.empty((n_images, side, side), dtype=np.uint8)
    for i, (r, c) in enumerate(corners):
        out[i] = source[r:r + side, c:c + side]
    return out
