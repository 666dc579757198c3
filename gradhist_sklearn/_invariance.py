"""Ways of making an orientation histogram independent of the image's rotation.

Turning an image by ``alpha`` degrees moves every gradient by ``alpha``, so
the histogram turns circularly by ``alpha / w`` bins (``w`` the bin width),
exactly for quarter turns and approximately otherwise (resampling, the
derivative kernel's anisotropy, and binning). Each method removes that
circular shift; all work row-wise on ``(n_images, n_bins)`` arrays and do not
care whether the histogram spans 360 degrees or, unidirectional, 180. None
gives negative values, and the three that align the histogram keep its sum.
``docs/rotation_invariance.rst`` has the measurements behind the default.

``centre_of_mass``
    The contract's method (``docs/contract.rst``): shift so that the circular centre of mass
    sits at bin 0, interpolating the fractional shift linearly between
    neighbouring bins (:func:`shift_histograms`). A shift by ``f`` of
    a bin also averages neighbours with weights ``(1 - f, f)``, a blur that
    depends on the arbitrary fractional part.
``centre_of_mass_rebin``
    The centre of mass ``phi`` taken from the pixels (the circular mean of
    the gradient vectors, :func:`pixel_centre_turns`), then every pixel
    binned again at ``theta - phi``: an exact fractional shift of the
    angles, with no interpolation of the histogram, so a uniform turn of
    all angles by any amount leaves the output unchanged. Its centre of
    mass sits on bin 0 up to the chord error of linear voting (hundredths
    of a bin).
``peak``
    Re-binned like ``centre_of_mass_rebin``, but relative to the highest bin
    refined by the parabola through it and its two neighbours (as SIFT
    assigns a keypoint's orientation).
``dft_magnitude``
    No alignment: the magnitudes ``|H_k|`` of the histogram's discrete
    Fourier transform, ``k = 0 .. n_bins // 2`` (``numpy.fft.rfft``). A
    circular shift multiplies ``H_k`` by a unit phase and a reversal
    conjugates it, so the output is invariant to every circular shift and
    to reversal. ``|H_0|`` is the histogram's sum. The output has
    ``n_bins // 2 + 1`` values and is no longer a histogram: the relative
    placement of the strong directions (the phases) is lost.
"""

import numpy as np

from ._params import INVARIANCE_METHODS  # noqa: F401  (the names accepted by ``invariance``)

#: The methods that bin every pixel again, and the alignment angle each
#: takes (the engines' ``options.alignment``): ``'pixels'``, the mean
#: direction of the gradients; ``'peak'``, the refined highest bin.
REBINNING_METHODS = {"centre_of_mass_rebin": "pixels", "peak": "peak"}


def centre_of_mass_turns(histograms):
    """Circular centre of mass of each histogram, as a fraction of the circle.

    Returns values in ``[0, 1)``; an all-zero histogram gives 0. Multiply by
    360 (or 180 for a unidirectional histogram) for degrees, or by the number
    of bins for a position in bins.
    """
    histograms = np.asarray(histograms, dtype=np.float64)
    n_bins = histograms.shape[-1]
    phases = 2 * np.pi * np.arange(n_bins) / n_bins
    # Row-wise sums rather than a matrix product: BLAS may group the terms
    # differently with the number of rows, and each row must not depend on its
    # batch.
    turns = np.arctan2((histograms * np.sin(phases)).sum(axis=-1),
                       (histograms * np.cos(phases)).sum(axis=-1))
    turns /= 2 * np.pi
    turns[turns < 0] += 1.0
    turns[turns >= 1.0] = 0.0  # -tiny + 1 can round to exactly 1
    return turns


def peak_positions(histograms):
    """Position of each histogram's highest bin, in bins, refined by the
    vertex of the parabola through it and its two circular neighbours.

    Ties go to the lowest bin index; an all-zero histogram gives 0. The
    refinement stays within half a bin of the highest bin.
    """
    histograms = np.asarray(histograms, dtype=np.float64)
    n_bins = histograms.shape[-1]
    rows = np.arange(histograms.shape[0])
    top = np.argmax(histograms, axis=-1)
    before = histograms[rows, (top - 1) % n_bins]
    centre = histograms[rows, top]
    after = histograms[rows, (top + 1) % n_bins]
    curvature = before - 2.0 * centre + after
    # centre is a maximum, so curvature <= 0; it is 0 only on a flat top.
    offset = np.divide(0.5 * (before - after), curvature,
                       out=np.zeros_like(centre), where=curvature < 0)
    return np.mod(top + offset, n_bins)


def pixel_centre_turns(gx, gy, *, unidirectional, angle_offset=0.0):
    """Circular mean direction of the gradients themselves, as a fraction of
    the circle (``[0, 1)``, the period being 180 degrees when unidirectional).

    This is the contract's centre of mass computed from the pixels
    rather than from the binned histogram: ``arg sum_p G_p exp(i theta_p)``,
    or ``arg sum_p G_p exp(2 i theta_p)`` halved when unidirectional, with
    ``theta`` measured from the frame (``theta - angle_offset``). It differs
    from the histogram's centre of mass only by the chord error of linear
    voting (hundredths of a bin), and it turns exactly with the angles.
    A row with no gradient gives 0.

    Parameters
    ----------
    gx, gy : ndarray, shape (n_images, n_pixels)
    unidirectional : bool
    angle_offset : float
        Degrees subtracted from every gradient angle.
    """
    # Contiguous rows: numpy sums a strided axis in another order, and each
    # image's sum must not depend on the layout of its batch (the grid
    # layout gathers its pixels with ``gx[:, pixels]``, which is not C-ordered).
    gx = np.ascontiguousarray(gx, dtype=np.float64)
    gy = np.ascontiguousarray(gy, dtype=np.float64)
    if unidirectional:
        magnitude = np.hypot(gx, gy)
        safe = np.where(magnitude > 0, magnitude, 1.0)
        # G exp(2 i theta) = (gx + i gy)^2 / G
        real = ((gx * gx - gy * gy) / safe).sum(axis=-1)
        imag = (2.0 * gx * gy / safe).sum(axis=-1)
        harmonic = 2
    else:
        real, imag = gx.sum(axis=-1), gy.sum(axis=-1)
        harmonic = 1
    angle = np.arctan2(imag, real) - harmonic * np.radians(angle_offset)
    turns = np.mod(angle / (2 * np.pi), 1.0)
    turns[(real == 0) & (imag == 0)] = 0.0
    turns[turns >= 1.0] = 0.0  # mod of a tiny negative can round to 1
    return turns


def make_invariant(histograms, invariance, turns):
    """Apply a rotation-invariance method that starts from the histograms.

    ``centre_of_mass_rebin`` and ``peak`` bin the pixels again instead; they
    are binned by the engines (:mod:`gradhist_sklearn._engines`).

    Parameters
    ----------
    histograms : ndarray of float64, shape (n_images, n_bins)
        Plain histograms.
    invariance : {'centre_of_mass', 'dft_magnitude'}
        The method.
    turns : ndarray, shape (n_images,)
        The centre of mass of each histogram, as a fraction of the circle.

    Returns
    -------
    out : ndarray of float64, shape (n_images, n_output_values)
    """
    if invariance == "dft_magnitude":
        return np.abs(np.fft.rfft(histograms, axis=-1))
    if invariance == "centre_of_mass":
        return shift_histograms(histograms, turns * histograms.shape[-1])
    raise ValueError(
        f"make_invariant does not apply {invariance!r}; it takes 'centre_of_mass' or "
        f"'dft_magnitude' ('centre_of_mass_rebin' and 'peak' start from the pixels)."
    )


def shift_histograms(histograms, shift_bins):
    """Shift each histogram circularly toward lower bins by a fractional amount.

    Bin ``j`` of the result is bin ``j + shift`` of the input, interpolated
    linearly between its two neighbours, so the sum is unchanged.

    Parameters
    ----------
    histograms : ndarray, shape (n_images, n_bins)
    shift_bins : ndarray, shape (n_images,)
    """
    n_bins = histograms.shape[-1]
    whole = np.floor(shift_bins)
    frac = (shift_bins - whole)[:, None]
    # Index a doubled copy rather than wrapping every index with %: integer
    # modulo costs more than the rest together for a batch of tiny images.
    # Flat indices into the doubled copy, where np.take is several times
    # faster than np.take_along_axis.
    starts = whole.astype(np.intp) % n_bins + 2 * n_bins * np.arange(len(histograms))
    index = np.arange(n_bins) + starts[:, None]
    doubled = np.concatenate([histograms, histograms], axis=1)
    lower = np.take(doubled, index)
    upper = np.take(doubled, index + 1)
    return lower * (1.0 - frac) + upper * frac
