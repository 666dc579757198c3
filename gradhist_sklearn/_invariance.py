"""Ways of making an orientation histogram independent of the image's rotation.

Turning an image by ``alpha`` degrees moves every gradient by ``alpha``, so
the histogram turns circularly by ``alpha / w`` bins (``w`` the bin width),
exactly for quarter turns and approximately otherwise (resampling, the
derivative kernel's anisotropy, and binning). Each method removes that
circular shift; all work row-wise on ``(n_images, n_bins)`` arrays and do not
care whether the histogram spans 360 degrees or, unidirectional, 180. None
gives negative values, and the four that align the histogram keep its sum.
``docs/rotation_invariance.rst`` has the measurements behind the default.

``dominant_harmonic``
    Re-binned like ``centre_of_mass_rebin``, but aligned on the strongest of
    the first four circular harmonics of the gradients,
    ``c_k = sum_p G_p exp(i k theta_p)`` (:func:`pixel_harmonics`,
    :func:`dominant_harmonic_turn`): the first when it is strong, else the
    one that is (a brick wall's edges show both polarities, so its first
    harmonic vanishes and its second does not), with the ``k`` angles that
    harmonic leaves (``arg c_k / k`` plus multiples of ``1 / k`` of the
    circle) told apart by the other harmonics. Stays stable where the
    centre of mass is decided by noise.
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

import math

import numpy as np

from ._params import INVARIANCE_METHODS  # noqa: F401  (the names accepted by ``invariance``)

#: The methods that bin every pixel again, and the alignment angle each
#: takes (the engines' ``options.alignment``): ``'harmonics'``, the
#: dominant circular harmonic of the gradients; ``'pixels'``, their mean
#: direction; ``'peak'``, the refined highest bin.
REBINNING_METHODS = {"dominant_harmonic": "harmonics", "centre_of_mass_rebin": "pixels",
                     "peak": "peak"}

#: Harmonics ``k = 1 .. N_HARMONICS`` the ``dominant_harmonic`` method weighs.
N_HARMONICS = 4

#: Weight of each harmonic's length ``|c_k|`` when the dominant one is
#: chosen: the third and fourth must be 1 / 0.6 times as long as the first
#: two to win, because the three or four angles they leave have to be told
#: apart by weaker harmonics. Chosen with ``benchmarks/bench_rotation.py``
#: (``docs/rotation_invariance.rst``).
HARMONIC_WEIGHTS = (1.0, 1.0, 0.6, 0.6)

#: Candidate angles whose projection on a harmonic falls short of the best
#: one's by more than this fraction of ``c_0`` (the sum of the magnitudes)
#: are dropped; closer ones go on to the next harmonic.
RESOLUTION_MARGIN = 0.02

#: float64's machine epsilon, ``2**-52``: the unit of :func:`noise_floor`.
EPSILON = 2.0 ** -52

#: float32's machine epsilon, ``2**-23``: the unit of one pixel's rounding
#: when the arithmetic is float32 (:func:`gradient_grains`).
SINGLE_EPSILON = 2.0 ** -23

#: Roundings of float32 in one pixel's term of a sum (its magnitude, angle,
#: shares and harmonic vectors take a few operations each), with margin.
SINGLE_TERM_ULPS = 8


def noise_floor(mass, n_pixels, grain=0.0):
    """The largest value rounding alone may leave in a sum over an image's
    gradients: ``EPSILON * n_pixels * (mass + grain)``.

    ``mass`` is the sum of the gradient magnitudes that went into the sum
    (``c_0``, or the sum of an image's histogram bins), ``n_pixels`` the
    number of pixels of the image (height times width; for a sum over a
    histogram's values, the number of values when that is larger) and
    ``grain`` the
    rounding scale of one gradient (:func:`gradient_grains`). A float64 sum
    of ``n`` terms is within ``(n - 1) * EPSILON / 2`` times the sum of
    their magnitudes of the exact one; each term (a gradient, its angle, a
    bin's or a block's share) is within a few ulps of its own value, and a
    gradient within ``grain * EPSILON`` of its exact value, however small
    it is (on a near-flat image it may be rounding alone). The engines add
    in different orders, so what one leaves as such a residue the other may
    leave as exactly 0. Below this floor a harmonic's component, a
    difference of two bins or a bin is rounding noise
    (:func:`above_noise`). Works on floats and on arrays, in Python and in
    the compiled engine.
    """
    return EPSILON * n_pixels * (mass + grain)


def gradient_grains(stack, kernels, largest=None, dtype="float64"):
    """Each image's ``grain`` for :func:`noise_floor`: ``t * K * R``, with
    ``t`` the number of taps of the operator's kernels, ``K`` the sum of
    the absolute weights of its 2-D kernel (the largest gradient a pixel
    step of 1 can give) and ``R`` the image's largest absolute pixel value.
    A correlation of ``t`` taps of values up to ``R`` is within ``t *
    EPSILON * K * R`` of its exact value, whatever its own size.

    With ``dtype='float32'`` the grain is that of float32 arithmetic
    (:data:`SINGLE_EPSILON` for ``EPSILON``), and it also covers the
    rounding of each pixel's term, ``SINGLE_TERM_ULPS * SINGLE_EPSILON``
    of its magnitude: no magnitude exceeds ``sqrt(2) * K * R``, so the
    grain grows by ``SINGLE_TERM_ULPS * sqrt(2) / t``. The sums themselves
    are float64 in both dtypes, so :func:`noise_floor` keeps its form.

    Parameters
    ----------
    stack : ndarray, shape (n_images, height, width)
        The images the engines bin (at a safe scale).
    kernels : (ndarray, ndarray or None)
        The operator's ``(derivative, smoothing)`` correlation kernels.
    largest : ndarray of shape (n_images,), optional
        :func:`largest_pixels` of ``stack``, when known (it is the same for
        every operator and scale).
    dtype : {'float64', 'float32'}
        The precision of the engine's arithmetic.

    Returns
    -------
    grains : ndarray of float64, shape (n_images,)
    """
    derivative, smoothing = kernels
    weight = np.abs(np.asarray(derivative, dtype=np.float64)).sum()
    if smoothing is not None:
        weight *= np.abs(np.asarray(smoothing, dtype=np.float64)).sum()
    if largest is None:
        largest = largest_pixels(stack)
    grains = len(derivative) * weight * largest
    if dtype == "float32":
        terms = 1.0 + SINGLE_TERM_ULPS * np.sqrt(2.0) / len(derivative)
        grains = grains * (SINGLE_EPSILON / EPSILON * terms)
    return grains


def largest_pixels(stack):
    """Each image's largest absolute pixel value, float64, shape (n_images,)."""
    flat = stack.reshape(len(stack), -1)
    largest = flat.max(axis=1).astype(np.float64)
    if stack.dtype.kind not in "bu":  # unsigned pixels are their own magnitude
        largest = np.maximum(np.abs(largest), np.abs(flat.min(axis=1).astype(np.float64)))
    return largest


def above_noise(value, floor):
    """``value`` when ``|value| > floor`` (:func:`noise_floor`), else ``+0.0``.

    Works on floats and on arrays, in Python and in the compiled engine;
    the sign of a zero is dropped (``+ 0.0``), so that ``atan2`` of a
    component that was noise gives the same angle in both engines.
    """
    return value * (abs(value) > floor) + 0.0


def _first_harmonic(histograms, n_pixels, grain):
    """Row-wise ``(sum_i h_i sin a_i, sum_i h_i cos a_i)``, ``a_i`` bin ``i``'s
    angle on the histogram's circle, each 0 when it is rounding noise
    (:func:`noise_floor` of the histogram's sum)."""
    histograms = np.asarray(histograms, dtype=np.float64)
    n_bins = histograms.shape[-1]
    phases = 2 * np.pi * np.arange(n_bins) / n_bins
    # Row-wise sums rather than a matrix product: BLAS may group the terms
    # differently with the number of rows, and each row must not depend on its
    # batch.
    # A sum over the bins: as many terms as bins, if they are more.
    floor = noise_floor(histograms.sum(axis=-1), max(n_pixels, n_bins), grain)
    return (above_noise((histograms * np.sin(phases)).sum(axis=-1), floor),
            above_noise((histograms * np.cos(phases)).sum(axis=-1), floor))


def orientation_strengths(histograms, n_pixels=1, grain=0.0):
    """How well each histogram's centre of mass is defined, in ``[0, 1]``.

    The mean resultant length ``|sum_i h_i exp(i a_i)| / sum_i h_i`` of the
    histogram seen as a distribution on its circle (angles doubled when the
    histogram is unidirectional, as for :func:`centre_of_mass_turns`): 1 when
    all the magnitude points one way, near 0 when the directions cancel (two
    equal, opposite peaks, or no preferred direction at all), where the
    centre of mass is decided by rounding. An all-zero histogram gives 0,
    and so does one whose resultant is rounding noise (:func:`noise_floor`
    of its sum for an image of ``n_pixels`` pixels and ``grain``).
    """
    histograms = np.asarray(histograms, dtype=np.float64)
    sine, cosine = _first_harmonic(histograms, n_pixels, grain)
    total = histograms.sum(axis=-1)
    length = np.hypot(sine, cosine)
    strengths = np.divide(length, total, out=np.zeros_like(length), where=total > 0)
    return np.minimum(strengths, 1.0)  # rounding may reach a hair above 1


def plain_orientations(histograms, n_pixels, grain):
    """``(n, 2)``: each plain histogram's centre of mass as a fraction of the
    circle (:func:`centre_of_mass_turns`) and its strength
    (:func:`orientation_strengths`), the engines' second output, for images
    of ``n_pixels`` pixels and their ``grain`` (:func:`noise_floor`)."""
    return np.column_stack([centre_of_mass_turns(histograms, n_pixels, grain),
                            orientation_strengths(histograms, n_pixels, grain)])


def centre_of_mass_turns(histograms, n_pixels=1, grain=0.0):
    """Circular centre of mass of each histogram, as a fraction of the circle.

    Returns values in ``[0, 1)``; an all-zero histogram gives 0. Multiply by
    360 (or 180 for a unidirectional histogram) for degrees, or by the number
    of bins for a position in bins. Each component of the resultant that is
    rounding noise (:func:`noise_floor` of the histogram's sum, for an image
    of ``n_pixels`` pixels and ``grain``) counts as 0: a symmetric histogram's is 0 (a
    disc, a checkerboard), whatever the rounding of its bins.
    """
    turns = np.arctan2(*_first_harmonic(histograms, n_pixels, grain))
    turns /= 2 * np.pi
    turns[turns < 0] += 1.0
    turns[turns >= 1.0] = 0.0  # -tiny + 1 can round to exactly 1
    return turns


def peak_positions(histograms, n_pixels=1, grain=0.0):
    """Position of each histogram's highest bin, in bins, refined by the
    vertex of the parabola through it and its two circular neighbours.

    Ties go to the lowest bin index, and bins within the noise floor of the
    highest (:func:`noise_floor` of the histogram's sum, for an image of
    ``n_pixels`` pixels and ``grain``) tie with it; an all-zero histogram gives 0. A top
    as flat as that floor is not refined; the refinement stays within half
    a bin of the highest bin.
    """
    histograms = np.asarray(histograms, dtype=np.float64)
    n_bins = histograms.shape[-1]
    rows = np.arange(histograms.shape[0])
    floor = noise_floor(histograms.sum(axis=-1), max(n_pixels, n_bins), grain)
    top = np.argmax(histograms >= (histograms.max(axis=-1) - floor)[:, None], axis=-1)
    before = histograms[rows, (top - 1) % n_bins]
    centre = histograms[rows, top]
    after = histograms[rows, (top + 1) % n_bins]
    curvature = before - 2.0 * centre + after
    # centre is a maximum up to the floor, so curvature <= 2 floor; a top as
    # flat as that is not refined (its vertex would be noise over noise).
    offset = np.divide(0.5 * (before - after), curvature,
                       out=np.zeros_like(centre), where=curvature < -2.0 * floor)
    return np.mod(top + offset, n_bins)


def pixel_centre_turns(gx, gy, *, unidirectional, n_pixels, grain, angle_offset=0.0):
    """Circular mean direction of the gradients themselves, as a fraction of
    the circle (``[0, 1)``, the period being 180 degrees when unidirectional).

    This is the contract's centre of mass computed from the pixels
    rather than from the binned histogram: ``arg sum_p G_p exp(i theta_p)``,
    or ``arg sum_p G_p exp(2 i theta_p)`` halved when unidirectional, with
    ``theta`` measured from the frame (``theta - angle_offset``). It differs
    from the histogram's centre of mass only by the chord error of linear
    voting (hundredths of a bin), and it turns exactly with the angles.
    Each component of the sum that is rounding noise (:func:`noise_floor`
    of the sum of the magnitudes) counts as 0; a row with no gradient, or
    whose directions cancel, gives 0.

    Parameters
    ----------
    gx, gy : ndarray, shape (n_images, n_counted)
    unidirectional : bool
    n_pixels : int
        Pixels of the image (height times width), for the noise floor.
    grain : float or ndarray of shape (n_images,)
        Each image's :func:`gradient_grains`, for the noise floor.
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
        magnitude = np.sqrt(gx * gx + gy * gy)
        real, imag = gx.sum(axis=-1), gy.sum(axis=-1)
        harmonic = 1
    floor = noise_floor(magnitude.sum(axis=-1), n_pixels, grain)
    real, imag = above_noise(real, floor), above_noise(imag, floor)
    angle = np.arctan2(imag, real) - harmonic * np.radians(angle_offset)
    turns = np.mod(angle / (2 * np.pi), 1.0)
    turns[(real == 0) & (imag == 0)] = 0.0
    turns[turns >= 1.0] = 0.0  # mod of a tiny negative can round to 1
    return turns


def harmonic_vectors(gx, gy, magnitude, inverse, unidirectional):
    """One gradient's vectors ``G exp(i k theta)`` for ``k = 1 .. 4`` (``k``
    times the doubled angle when ``unidirectional``), as ``(x1, y1, ..., x4,
    y4)``: the products :func:`pixel_harmonics` takes, written with real
    numbers for the compiled engine, which runs this function on each pixel.

    ``magnitude`` is ``G = sqrt(gx**2 + gy**2)`` and ``inverse`` is ``1 / G``,
    or 0 for a zero gradient (whose vectors are then zero). The first
    harmonic of a bidirectional gradient is ``(gx, gy)`` itself; the others
    are powers of the unit vector ``u = (gx, gy) / G``, scaled by ``G``, each
    complex product ``(a + ib)(c + id)`` taken as ``(ac - bd) + i(ad + bc)``.
    """
    ux = gx * inverse
    uy = gy * inverse
    u2x = ux * ux - uy * uy  # exp(2 i theta)
    u2y = ux * uy + uy * ux
    u4x = u2x * u2x - u2y * u2y  # exp(4 i theta)
    u4y = u2x * u2y + u2y * u2x
    if unidirectional:  # exp(2 i theta), exp(4 i theta), exp(6 i theta), exp(8 i theta)
        u6x = u4x * u2x - u4y * u2y
        u6y = u4x * u2y + u4y * u2x
        u8x = u4x * u4x - u4y * u4y
        u8y = u4x * u4y + u4y * u4x
        return (magnitude * u2x, magnitude * u2y, magnitude * u4x, magnitude * u4y,
                magnitude * u6x, magnitude * u6y, magnitude * u8x, magnitude * u8y)
    u3x = u2x * ux - u2y * uy  # exp(3 i theta)
    u3y = u2x * uy + u2y * ux
    return (gx, gy, magnitude * u2x, magnitude * u2y, magnitude * u3x, magnitude * u3y,
            magnitude * u4x, magnitude * u4y)


def pixel_harmonics(gx, gy, *, unidirectional):
    """Circular harmonics of the gradients, summed over each image's pixels.

    ``c_k = sum_p G_p exp(i k theta_p) = sum_p G_p u_p^k``, ``u_p`` the unit
    vector of gradient ``p`` as a complex number (``u_p^2`` in place of
    ``u_p`` when unidirectional); :func:`harmonic_vectors` is the same for
    one pixel, in real arithmetic.

    Parameters
    ----------
    gx, gy : ndarray, shape (n_images, n_pixels)
    unidirectional : bool
        Harmonics of the doubled angles (``2 k theta``), whose circle is the
        180-degree one of a unidirectional histogram.

    Returns
    -------
    sums : ndarray of float64, shape (n_images, 9)
        ``c_0 = sum_p G_p``, then the real and imaginary parts of ``c_k`` for
        ``k = 1 .. 4``: ``(c_0, x_1, y_1, x_2, y_2, x_3, y_3, x_4, y_4)``,
        what :func:`dominant_harmonic_turn` takes.
    """
    gx = np.asarray(gx, dtype=np.float64)
    gy = np.asarray(gy, dtype=np.float64)
    magnitude = np.sqrt(gx * gx + gy * gy)
    inverse = np.divide(1.0, magnitude, out=np.zeros_like(magnitude), where=magnitude > 0.0)
    vector = gx + 1j * gy
    unit = vector * inverse
    square = unit * unit
    fourth = square * square
    if unidirectional:
        powers = (square, fourth, fourth * square, fourth * fourth)
    else:
        powers = (None, square, square * unit, fourth)
    sums = [magnitude.sum(axis=-1)]
    for power in powers:
        total = vector.sum(axis=-1) if power is None else (magnitude * power).sum(axis=-1)
        sums += [total.real, total.imag]
    return np.column_stack(sums)


def dominant_harmonic_turn(sums, n_pixels=1, grain=0.0):
    """The ``dominant_harmonic`` method's alignment angle, as a fraction of the
    circle, from the sums :func:`pixel_harmonics` gives for one image of
    ``n_pixels`` pixels and ``grain`` (:func:`gradient_grains`).

    0. Every component of ``c_1 .. c_4`` that is rounding noise
       (:func:`noise_floor` of ``c_0``) is 0, and in the comparisons below
       two values closer than that floor tie.
    1. The dominant harmonic ``k`` is the one with the largest
       ``HARMONIC_WEIGHTS[k - 1] * |c_k|`` (the lowest on a tie).
    2. It points ``k`` ways: the candidates ``phi_m = arg(c_k) / k + 2 pi m /
       k``, ``m = 0 .. k - 1``.
    3. Each other harmonic ``j`` (not a multiple of ``k``), the longest
       first (the lowest on a tie), projects onto the candidates left,
       ``Re(c_j exp(-i j phi_m))``; those more than ``RESOLUTION_MARGIN *
       c_0`` below the best are dropped, until one is left.
    4. Of those left, the one with the largest sum of the projections wins
       (the lowest ``m`` on a tie).

    Every step depends only on lengths and relative angles of the
    harmonics, so turning or mirroring all gradients turns or mirrors the
    angle with them. When every harmonic is noise (a flat image, or
    directions that cancel in all four) the angle is 0. Written for scalars
    with :mod:`math` only and self-contained, so that the compiled engine
    runs this very function (and gets the same decisions from sums that
    differ by rounding).
    """
    floor = noise_floor(sums[0], n_pixels, grain)
    settled = np.empty(9)
    settled[0] = sums[0]
    for h in range(1, 9):
        settled[h] = above_noise(sums[h], floor)
    sums = settled
    k = 0
    strongest = 0.0
    for j in range(1, N_HARMONICS + 1):
        length = HARMONIC_WEIGHTS[j - 1] * math.hypot(sums[2 * j - 1], sums[2 * j])
        if length > strongest + floor:
            strongest = length
            k = j
    if k == 0:
        return 0.0
    base = math.atan2(sums[2 * k], sums[2 * k - 1]) / k
    step = 2.0 * math.pi / k
    keep = (1 << k) - 1  # bit m: candidate m still in
    used = 0  # bit j: harmonic j taken already (or a multiple of k)
    for j in range(k, N_HARMONICS + 1, k):
        used |= 1 << j
    while keep & (keep - 1) != 0:  # more than one candidate left
        j = 0  # the strongest harmonic not taken yet (the lowest on a tie)
        longest = -1.0
        for h in range(1, N_HARMONICS + 1):
            if not used >> h & 1 and math.hypot(sums[2 * h - 1], sums[2 * h]) > longest + floor:
                longest = math.hypot(sums[2 * h - 1], sums[2 * h])
                j = h
        if j == 0:
            break
        used |= 1 << j
        top = -math.inf
        for m in range(k):
            if keep >> m & 1:
                angle = j * (base + m * step)
                top = max(top, sums[2 * j - 1] * math.cos(angle) + sums[2 * j] * math.sin(angle))
        for m in range(k):
            angle = j * (base + m * step)
            if sums[2 * j - 1] * math.cos(angle) + sums[2 * j] * math.sin(angle) < \
                    top - RESOLUTION_MARGIN * sums[0]:
                keep &= ~(1 << m)
    chosen = 0
    best = -math.inf
    for m in range(k):
        if keep >> m & 1:
            total = 0.0
            for j in range(1, N_HARMONICS + 1):
                if j % k != 0:
                    angle = j * (base + m * step)
                    total += sums[2 * j - 1] * math.cos(angle) + sums[2 * j] * math.sin(angle)
            if total > best + floor:
                best = total
                chosen = m
    turn = (base + chosen * step) / (2.0 * math.pi)
    turn -= math.floor(turn)
    return 0.0 if turn >= 1.0 else turn  # -tiny + 1 can round to exactly 1


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
