"""Azimuthal harmonics of the rings: where around each ring its gradients are.

A ring's histogram forgets where around the ring each gradient sits: a
stroke at the top of a ring and the same stroke spread around it give the
same histogram. ``azimuthal_harmonics=K`` (``layout='rings'`` only) keeps
it as rotation-invariant Fourier coefficients, in the spirit of Fourier-HOG
(K. Liu et al., IJCV 2014).

Per scale, ring ``r`` and orientation bin ``b`` (``azimuthal_bins`` bins
over the circle, of the same angle the ring histograms bin: relative to
the radial direction with ``rotation_invariant=True``), the engines sum
the pixels' votes, split linearly between bins and between rings as the
ring histograms are, against the pixel's azimuth ``phi`` about the centre::

    F[r, b](k) = sum_p w(p, r, b) exp(-i k phi_p),     k = 1 .. K

(``k = 0`` would be the ring histogram itself, at ``azimuthal_bins``). A
turn by ``alpha`` about the centre multiplies every ``F(k)`` by ``exp(-i k
alpha)``, so these values are invariant (``azimuthal_invariants`` chooses
which, besides the first):

``abs`` (always)
    ``|F[r, b](k)|``, ``n_rings * K * n_azimuthal_bins`` values;
``'bin_pairs'`` (default): ``real``, ``imag`` of each bin
    the products ``z = F[r, b](k) conj(F[s, b](k))`` between rings ``r < s``
    of each orientation bin: where the structures of that orientation sit
    around the centre in one ring relative to another (two values per
    pair, harmonic and bin);
``'ring_pairs'``: ``real``, ``imag``
    the same products of the rings' totals ``T[r](k) = sum_b F[r, b](k)``
    (two values per pair and harmonic);
``'magnitudes'``
    the magnitudes alone.

Each is brought to the ring histograms' scale before normalising: a
magnitude is a sum of magnitudes already; a product ``z`` becomes ``z /
sqrt|z|`` (the geometric mean of the two rings' magnitudes, with the pair's
relative phase). Each value ``q`` is then normalised as a histogram value
of its ring would be, on its modulus, keeping its phase: ``q / |q| *
g(|q|)``, with ``g`` dividing by the pixel count (``'pixels'``), taking the
square root of that (``'sqrt'``), dividing by the ring's l1 or l2 norm
(``'l1'``, ``'l2'``; the geometric mean of the two rings' norms for a
product) or taking the square root of the l1 share (``'hellinger'``). A
zero stays zero.

A mirror image (``np.fliplr`` of a square region) reverses the orientation
bins (bin ``b`` becomes ``-b``, as in the ring histograms) and conjugates
every ``F(k)`` up to a sign, so it keeps the ``abs`` and ``real`` columns
with their bins reversed, and negates the ``imag`` columns (bins reversed
too).

The centre pixel has no azimuth: it adds nothing to any ``k >= 1``.
"""

import numpy as np

from ._invariance import above_noise
from ._layouts import (
    centred_coordinates,
    counted_pixels,
    remembered,
    ring_placement,
    split_between_bins,
)


@remembered(lambda options: (options.frame, options.size, options.n_rings))
def azimuth_vectors(shape, region, options):
    """Unit vectors ``exp(i phi)`` of the pixels of the rings' placement,
    ``(ux, uy)`` each of shape ``(n_pixels,)`` in the order of
    ``ring_placement(...).pixels``; zero at the exact centre (no azimuth).

    Computed from the centred coordinates by one division, so that a
    quarter turn maps them onto each other exactly (swapped, negated)."""
    placement = ring_placement(shape, region, options)
    du, dv, _ = centred_coordinates(shape, options.frame, options.size)
    du, dv = du.ravel()[placement.pixels], dv.ravel()[placement.pixels]
    distance = np.hypot(du, dv)
    safe = np.where(distance > 0, distance, 1.0)
    return np.where(distance > 0, du / safe, 0.0), np.where(distance > 0, dv / safe, 0.0)


def harmonic_phases(ux, uy, n_harmonics):
    """``exp(-i k phi)`` for ``k = 1 .. n_harmonics``, shape ``(n_harmonics,
    n_pixels)``, by repeated multiplication of the conjugate unit vector."""
    step = ux - 1j * uy
    phases = np.empty((n_harmonics, len(ux)), dtype=np.complex128)
    current = step
    for k in range(n_harmonics):
        phases[k] = current
        current = current * step
    return phases


def azimuthal_sums(gx, gy, placement, phases, angle_offset, options):
    """The reference's ``F[r, b](k)`` of a stack: numpy, step by step.

    Parameters
    ----------
    gx, gy : ndarray, shape (n_images, n_pixels)
        Gradients of ``placement.pixels`` (the rings' :class:`Placement`).
    phases : ndarray of complex, shape (K, n_pixels)
        :func:`harmonic_phases` of the same pixels.
    angle_offset : ndarray of shape (n_images,)
        Degrees subtracted from every angle of each image (the frame's).

    Returns
    -------
    sums : ndarray of complex128, shape (n_images, n_rings, n_azimuthal_bins, K)
    """
    n_images = gx.shape[0]
    n_bins, n_rings = options.n_azimuthal_bins, options.n_rings
    n_harmonics = options.azimuthal_harmonics
    magnitude, lower, upper, upper_share = split_between_bins(
        gx, gy, placement, angle_offset, options.azimuthal_bins, n_bins)
    size = n_images * n_rings * n_bins
    base = (np.arange(n_images) * (n_rings * n_bins))[:, None]
    sums = np.zeros((n_harmonics, size), dtype=np.complex128)
    for cells, weights in zip(placement.cells, placement.weights, strict=True):
        for bins, share in ((lower, 1.0 - upper_share), (upper, upper_share)):
            at = (base + cells * n_bins + bins).ravel()
            vote = magnitude * weights * share
            for k in range(n_harmonics):
                weighted = vote * phases[k]
                sums[k] += np.bincount(at, weighted.real.ravel(), minlength=size)
                sums[k] += 1j * np.bincount(at, weighted.imag.ravel(), minlength=size)
    return np.moveaxis(sums.reshape(n_harmonics, n_images, n_rings, n_bins), 0, -1)


def ring_pairs(n_rings):
    """The pairs ``(r, s)``, ``r < s``, of the ring-to-ring products, in column order."""
    return [(r, s) for r in range(n_rings) for s in range(r + 1, n_rings)]


def n_azimuthal_columns(options):
    """Columns the azimuthal part adds per scale (0 when it is off)."""
    k = options.azimuthal_harmonics
    n_rings, n_bins = options.n_rings, options.n_azimuthal_bins
    per_pair = {"bin_pairs": 2 * n_bins, "ring_pairs": 2, "magnitudes": 0}
    return k * n_rings * n_bins + k * len(ring_pairs(n_rings)) * per_pair[
        options.azimuthal_invariants]


def azimuthal_names(options):
    """Names of one scale's azimuthal columns (without the scale prefix)."""
    k_width = max(1, len(str(options.azimuthal_harmonics)))
    step = 360.0 / options.azimuthal_bins
    names = [f"ring{r}_az{k:0{k_width}d}_angle_{b * step:07.3f}_abs"
             for r in range(options.n_rings)
             for k in range(1, options.azimuthal_harmonics + 1)
             for b in range(options.n_azimuthal_bins)]
    if options.azimuthal_invariants == "magnitudes":
        return names
    bins = [""]
    if options.azimuthal_invariants == "bin_pairs":
        bins = [f"_angle_{b * step:07.3f}" for b in range(options.n_azimuthal_bins)]
    names += [f"ring{r}_ring{s}_az{k:0{k_width}d}{angle}_{part}"
              for r, s in ring_pairs(options.n_rings)
              for k in range(1, options.azimuthal_harmonics + 1)
              for angle in bins
              for part in ("real", "imag")]
    return names


def azimuthal_columns(sums, rings, n_pixels, options, floor=None):
    """One scale's azimuthal columns from the raw sums, normalised as the
    module's docstring says.

    Parameters
    ----------
    sums : ndarray of complex128, shape (n_images, n_rings, n_azimuthal_bins, K)
    rings : ndarray of float64, shape (n_images, n_rings * n_bins)
        The same scale's raw (unnormalised) ring histograms: their norms
        divide for ``'l1'``, ``'l2'`` and ``'hellinger'``.
    n_pixels : int
        The pixels that count (the ``'pixels'`` and ``'sqrt'`` divisor).
    floor : ndarray of float64, shape (n_images,), optional
        Each image's rounding-noise floor
        (:func:`~gradhist_sklearn._invariance.noise_floor`): a ring's total
        ``T[r](k)`` whose part is below it is 0, as the sums are.

    Returns
    -------
    columns : ndarray of float64, shape (n_images, n_azimuthal_columns(options))
        Before the power-of-two restoration of :mod:`._scaling`.
    """
    n_images = len(sums)
    norms = _ring_norms(rings.reshape(n_images, options.n_rings, -1), options.normalize)
    magnitudes = np.abs(sums)
    magnitudes = _normalized_modulus(magnitudes, norms[:, :, None, None], n_pixels,
                                     options.normalize)
    # (n_images, n_rings, K, n_bins): ring, then harmonic, then bin.
    columns = [np.swapaxes(magnitudes, 2, 3).reshape(n_images, -1)]
    pairs = ring_pairs(options.n_rings)
    if pairs and options.azimuthal_invariants != "magnitudes":
        first, second = (np.array(side, dtype=np.intp) for side in zip(*pairs, strict=True))
        if options.azimuthal_invariants == "ring_pairs":
            values = sums.sum(axis=2)[:, :, :, None]  # T[r](k), as one bin
            if floor is not None:  # bins that cancel leave rounding noise
                limit = floor[:, None, None, None]
                values = above_noise(values.real, limit) + 1j * above_noise(values.imag, limit)
        else:
            values = np.swapaxes(sums, 2, 3)  # (n_images, n_rings, K, n_bins)
        products = values[:, first] * np.conj(values[:, second])
        pair_norms = np.sqrt(norms[:, first] * norms[:, second])[:, :, None, None]
        products = _normalized_products(products, pair_norms, n_pixels, options.normalize)
        columns.append(np.stack([products.real, products.imag], axis=-1).reshape(n_images, -1))
    return np.concatenate(columns, axis=1)


def _normalized_products(products, norms, n_pixels, normalize):
    """Products ``z`` at the histograms' scale, ``z / sqrt|z|`` (the geometric
    mean of the two moduli), then normalised on their modulus, phase kept."""
    modulus = np.abs(products)
    target = _normalized_modulus(np.sqrt(modulus), norms, n_pixels, normalize)
    factor = np.divide(target, modulus, out=np.zeros_like(modulus), where=modulus > 0)
    return products * factor


def _ring_norms(rings, normalize):
    """Each ring's l1 or l2 norm, shape (n_images, n_rings); ones when the
    normalisation does not use them."""
    if normalize == "l2":
        return np.sqrt(np.sum(rings * rings, axis=-1))
    if normalize in ("l1", "hellinger"):
        return np.sum(rings, axis=-1)
    return np.ones(rings.shape[:2])


def _normalized_modulus(modulus, norms, n_pixels, normalize):
    """``g(|q|)`` of the module's docstring: the modulus normalised as a
    histogram value of its ring would be (0 where the ring's norm is 0)."""
    if normalize is None:
        return modulus
    if normalize in ("pixels", "sqrt"):
        modulus = modulus / max(1, n_pixels)
        return np.sqrt(modulus) if normalize == "sqrt" else modulus
    shares = np.divide(modulus, norms, out=np.zeros_like(modulus), where=norms > 0)
    return np.sqrt(shares) if normalize == "hellinger" else shares


def split_azimuthal(histograms, options):
    """An engine's rows of one scale as ``(rings, sums)``: the raw ring
    histograms, and the raw azimuthal sums as float64 columns (real and
    imaginary parts side by side), or None when the option is off
    (``histograms`` is then returned as it is)."""
    if not options.azimuthal_harmonics:
        return histograms, None
    n_ring_values = options.n_blocks * options.n_bins
    return (np.ascontiguousarray(histograms[:, :n_ring_values]),
            np.ascontiguousarray(histograms[:, n_ring_values:]))


def columns_of_sums(sums, rings, shape, region, options, floor=None):
    """The azimuthal columns (:func:`azimuthal_columns`) of one scale's raw
    sums (as :func:`split_azimuthal` gives them) and ring histograms."""
    sums = np.ascontiguousarray(sums).view(np.complex128)
    sums = sums.reshape(len(sums), options.n_rings, options.n_azimuthal_bins,
                        options.azimuthal_harmonics)
    return azimuthal_columns(sums, rings, counted_pixels(shape, region, options), options,
                             floor)


def join_scales(rings, columns, exponents, options):
    """The rows: each scale's (finished) ring columns, then its azimuthal
    columns, restored to the images' own scale where the power-of-two
    rescaling of :mod:`._scaling` applied and cast to the rings' dtype.

    ``rings`` holds every scale's ring columns side by side, ``columns`` one
    array per scale."""
    if exponents is not None and options.normalize in (None, "pixels", "sqrt"):
        # Proportional to the intensity (or its root, for 'sqrt'), sign kept.
        power = exponents if options.normalize != "sqrt" else exponents / 2.0
        factor = np.exp2(power)[:, np.newaxis]
        columns = [part * factor for part in columns]
    per_scale = np.split(rings, len(columns), axis=1)
    parts = [part for pair in zip(per_scale, columns, strict=True) for part in pair]
    return np.concatenate(parts, axis=1).astype(rings.dtype, copy=False)
