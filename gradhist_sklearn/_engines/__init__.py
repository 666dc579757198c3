"""The engines that bin gradients into histograms, behind one interface.

An engine is a module with one function::

    histograms(stack, region, options, grains=None) -> (histograms, orientations)

``stack`` is a validated ``(n_images, height, width)`` array of any real
dtype, at a safe scale (:func:`~gradhist_sklearn._validation.scale_to_safe_range`);
``region`` a boolean ``(height, width)`` mask of the pixels that count, or None
for all of them; ``options`` a
:class:`~gradhist_sklearn._options.HistogramOptions` with one ``sigma``; ``grains`` each image's
:func:`~gradhist_sklearn._invariance.gradient_grains` for the noise floor of
its decisions (computed from ``stack`` when None). It
returns the unnormalised float64 histograms ``(n_images, options.n_blocks *
options.n_bins)``, one histogram per spatial block (ring or grid cell) side
by side (one block for the ``global`` layout), then, for rings with
``options.azimuthal_harmonics``, the raw sums ``F[r, b](k)`` of
:mod:`gradhist_sklearn._azimuthal` as ``(n_rings, n_azimuthal_bins, K)``
complex values, real and imaginary parts side by side; binned at each image's
alignment angle when ``options.alignment`` says so (the re-binning
invariance methods: ``'harmonics'``, ``'pixels'``, ``'peak'``; the grid
turned with it), and ``orientations``, float64 ``(n_images, 2)``: the
centre of mass of each plain histogram (of all the pixels that count) as a
fraction of the circle and its orientation strength
(:func:`~gradhist_sklearn._invariance.plain_orientations`; zeros when
``options.include_orientation`` is False and nothing else needed the plain
histogram). Normalising, the
histogram-based invariance methods and the dtype of the result are the
caller's (:func:`gradhist_sklearn._histogram.stack_histograms`), so both
engines share them.

``_numpy``
    The reference: numpy and scipy, readable step by step.
``_numba``
    The compiled kernel (numba, a dependency for its speed, docs/performance.rst;
    the reference runs if numba cannot be imported): gradients,
    angles and the linear split fused in one pass over a band of rows, for
    every layout. Same numbers as the reference to about 1e-15 relative
    (1e-14 for the turned grid, whose cell positions it computes itself).

Which one runs comes from the environment variable ``GRADHIST_ENGINE``:
``auto`` (default, the compiled kernel when numba can be imported), ``numba``
(an ImportError says what to install if numba is missing) or ``plain``.
The transformer resolves it once per call, in the parent process, and its
options carry the name to every worker, so one call never mixes engines.
Operators the compiled kernel cannot run fall back to the reference.
"""

import os

ENV_VAR = "GRADHIST_ENGINE"
ENGINES = ("auto", "numba", "plain")

_numba_available = None


def numba_available():
    """Whether numba can be imported (checked once)."""
    global _numba_available
    if _numba_available is None:
        try:
            import numba  # noqa: F401
        except ImportError:
            _numba_available = False
        else:
            _numba_available = True
    return _numba_available


def resolve_engine(engine=None):
    """Turn ``engine`` (or ``$GRADHIST_ENGINE`` when None) into 'numba' or 'plain'."""
    if engine is None:
        engine = os.environ.get(ENV_VAR, "auto").strip().lower() or "auto"
    if engine not in ENGINES:
        raise ValueError(
            f"{ENV_VAR}={engine!r} is not an engine; use one of "
            f"{', '.join(repr(name) for name in ENGINES)}."
        )
    if engine == "auto":
        return "numba" if numba_available() else "plain"
    if engine == "numba" and not numba_available():
        raise ImportError(
            f"{ENV_VAR}=numba needs numba, a dependency of gradhist-sklearn that "
            f"cannot be imported here: install it with `pip install numba`, or set "
            f"{ENV_VAR}=plain."
        )
    return engine


def select_engine(options):
    """The engine module that computes ``options``: the compiled one when
    ``options.engine`` is ``'numba'`` and it can run the operator (every
    layout: ``global``, ``rings`` and ``grid``)."""
    if options.engine == "numba":
        from . import _numba

        if _numba.supports(*options.kernels):
            return _numba
    from . import _numpy

    return _numpy


def binned_histograms(stack, region, options, grains=None):
    """``histograms(stack, region, options, grains)`` of the engine ``options``
    selects."""
    return select_engine(options).histograms(stack, region, options, grains)
