"""A brute-force reference for the ``dominant_harmonic`` alignment: the
harmonic sums from each pixel's angle (``exp(i k theta)`` with ``theta =
atan2(gy, gx)``, not the library's products of unit vectors), and the rule of
``docs/rotation_invariance.rst`` in complex arithmetic, with the smallest
margin by which any of its decisions was taken (how far the sums are from
making it differently)."""

import numpy as np

WEIGHTS = np.array([1.0, 1.0, 0.6, 0.6])
MARGIN = 0.02


def harmonic_sums(gx, gy, unidirectional=False):
    """``(c_0, c_1, ..., c_4)`` as complex numbers, ``c_k = sum G exp(i k
    theta)`` (``2 k theta`` when unidirectional), from flattened gradients."""
    gx = np.asarray(gx, dtype=np.float64).ravel()
    gy = np.asarray(gy, dtype=np.float64).ravel()
    magnitude = np.hypot(gx, gy)
    theta = np.arctan2(gy, gx) * (2 if unidirectional else 1)
    return np.array([magnitude.sum()] + [(magnitude * np.exp(1j * k * theta)).sum()
                                        for k in range(1, 5)])


def as_sums(c):
    """The library's layout ``(c0, x1, y1, ..., x4, y4)``."""
    return np.r_[c[0].real, np.column_stack([c[1:].real, c[1:].imag]).ravel()]


def _gap(values, best):
    """How far the best of ``values`` is from the runner-up (inf for one value)."""
    others = np.delete(values, best)
    return np.inf if others.size == 0 else values[best] - others.max()


def _resolve(c, k, candidates):
    """Candidates left after each harmonic in turn, the longest first (step
    3), and the margin (including how near two harmonics' lengths are, which
    decides their order)."""
    keep = np.ones(k, dtype=bool)
    margin = np.inf
    threshold_drop = MARGIN * c[0].real
    others = sorted((j for j in range(1, 5) if j % k), key=lambda j: -abs(c[j]))
    lengths = np.array([abs(c[j]) for j in others])
    if len(lengths) > 1:
        margin = np.abs(np.diff(lengths)).min()
    for j in others:
        if keep.sum() == 1:
            break
        projection = (c[j] * np.exp(-1j * j * candidates)).real
        line = projection[keep].max() - threshold_drop
        margin = min(margin, np.abs(projection[keep] - line).min())
        keep &= projection >= line
    return keep, margin


def reference_turn(c):
    """(turn in [0, 1), margin, k): the dominant_harmonic alignment of sums
    ``c``, the smallest margin of its decisions, and the harmonic chosen (0
    when none is)."""
    lengths = WEIGHTS * np.abs(c[1:])
    if not lengths.any():
        return 0.0, np.inf, 0
    k = int(np.argmax(lengths)) + 1
    margin = _gap(lengths, k - 1)
    candidates = np.angle(c[k]) / k + 2 * np.pi * np.arange(k) / k
    keep, resolve_margin = _resolve(c, k, candidates)
    margin = min(margin, resolve_margin)
    totals = sum((c[j] * np.exp(-1j * j * candidates)).real for j in range(1, 5) if j % k)
    totals = np.where(keep, totals, -np.inf) if k > 1 else np.zeros(1)
    best = int(np.argmax(totals))
    if keep.sum() > 1:
        margin = min(margin, _gap(totals[keep], int(np.argmax(totals[keep]))))
    turn = float(np.mod(candidates[best] / (2 * np.pi), 1.0))
    return (0.0 if turn >= 1.0 else turn), margin, k
