"""Ways of making an orientation histogram independent of the image's rotation.

Turning an image by ``alpha`` degrees moves every gradient by ``alpha``, so
the histogram turns circularly by ``alpha / w`` bins (``w`` the bin width),
exactly for quarter turns and approximately otherwise (resampling, the
derivative kernel's anisotropy, and binning). Each method removes that
circular shift; all work row-wise on ``(n_images, n_bins)`` arrays and do not
care whether the histogram spans 360 degrees or, unidirectional, 180. All
keep the sum and never give negative values. ``docs/rotation_invariance.rst``
has the measurements behind the choice of default.

``centre_of_mass``
    SPEC section 3 as written: shift so that the circular centre of mass
    sits at bin 0, interpolating the fractional shift linearly between
    neighbouring bins (``_histogram.shift_histograms``). A shift by ``f`` of
    a bin also averages neighbours with weights ``(1 - f, f)``, a blur that
    depends on the arbitrary fractional part.
``centre_of_mass_rebin``
    The same centre of mass ``phi``, then every pixel binned again at
    ``theta - phi``: an exact fractional shift of the angles, with no
    interpolation of the histogram. Its centre of mass sits on bin 0 up to
    the chord error of linear voting (hundredths of a bin).
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

#: Names accepted by the ``invariance`` parameter.
INVARIANCE_METHODS = ("centre_of_mass", "centre_of_mass_rebin", "peak", "dft_magnitude")


def n_output_values(n_bins, invariance, rotation_invariant=True):
    """Length of one output row for a histogram of ``n_bins`` bins."""
    if rotation_invariant and invariance == "dft_magnitude":
        return n_bins // 2 + 1
    return n_bins


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


def make_invariant(histograms, invariance, turns, rebin=None):
    """Apply one rotation-invariance method to a stack of histograms.

    Parameters
    ----------
    histograms : ndarray of float64, shape (n_images, n_bins)
        Plain histograms.
    invariance : str
        One of :data:`INVARIANCE_METHODS`.
    turns : ndarray, shape (n_images,)
        Centre of mass of each histogram as a fraction of the circle.
    rebin : callable, optional
        ``rebin(i, shift_bins)`` returns the histogram of image ``i`` with
        every pixel's angle lowered by ``shift_bins`` bins (shape
        ``(n_bins,)``). Needed by the methods that re-bin the pixels.

    Returns
    -------
    out : ndarray of float64, shape (n_images, n_output_values)
    """
    n_bins = histograms.shape[-1]
    if invariance == "dft_magnitude":
        return np.abs(np.fft.rfft(histograms, axis=-1))
    if invariance == "centre_of_mass":
        # The spec's pieces live with the engine; imported here to avoid a cycle.
        from ._histogram import shift_histograms

        return shift_histograms(histograms, turns * n_bins)
    if invariance == "centre_of_mass_rebin":
        shifts = turns * n_bins
    elif invariance == "peak":
        shifts = peak_positions(histograms)
    else:
        raise ValueError(
            f"Unknown invariance {invariance!r}; choose one of "
            f"{', '.join(repr(name) for name in INVARIANCE_METHODS)}."
        )
    out = np.empty_like(histograms, dtype=np.float64)
    for i, shift in enumerate(shifts):
        out[i] = rebin(i, shift)
    return out
