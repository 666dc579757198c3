"""Ways of making an orientation histogram independent of the image's rotation.

Turning an image by ``alpha`` degrees moves every gradient by ``alpha``, so
the histogram turns circularly by ``alpha / w`` bins (``w`` the bin width),
exactly for quarter turns and approximately otherwise (resampling and the
derivative kernel's anisotropy). Each method below removes that circular
shift; all of them work row-wise on a ``(n_images, n_bins)`` array and do not
care whether the histogram spans 360 degrees or, unidirectional, 180.

``centre_of_mass``
    SPEC section 3: shift so that the circular centre of mass sits at bin 0,
    interpolating the fractional shift linearly between neighbouring bins.
    Non-negative and sum-preserving, but a shift by ``f`` of a bin also
    averages neighbours with weights ``(1 - f, f)``, so the result is blurred
    by an amount that depends on the (arbitrary) fractional part.
``centre_of_mass_fourier``
    The same alignment, with the fractional shift done in the Fourier domain
    (a phase ramp), which moves every harmonic without attenuating it.
    The first harmonic becomes real and positive, so the centre of mass lands
    on bin 0 up to rounding. Ringing can make a few bins slightly negative;
    those are clipped to 0 and the histogram is rescaled to its original sum.
``peak``
    Shift so that the dominant bin, refined by a parabola through it and its
    two neighbours (as in SIFT's keypoint orientation), sits at bin 0, with
    the same Fourier shift, clipping and rescaling.
``dft_magnitude``
    No alignment at all: the magnitudes ``|H_k|`` of the histogram's discrete
    Fourier transform, ``k = 0 .. n_bins // 2`` (``numpy.fft.rfft``). A
    circular shift multiplies ``H_k`` by a unit phase, so the output is
    invariant to every shift, fractional ones included. ``|H_0|`` is the
    histogram's sum. The output has ``n_bins // 2 + 1`` values and is no
    longer a histogram: which orientations are strong relative to each other
    (the phases) is lost, only how much energy each harmonic holds remains.
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
