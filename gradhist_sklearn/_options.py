"""The histogram's parameters, validated once, as one immutable object.

:class:`HistogramOptions` is what travels: :func:`gradient_histogram` builds
one per call, the transformer one per ``fit``/``transform`` (in the parent
process), the command line one per run, and the engines, the worker tasks
and the dask blocks all take it as it is. Its fields and their checks come
from the parameter table (``_params.PARAMETERS``), so a value is refused with
the same message wherever it comes in; the transformer's
``_parameter_constraints`` (built from the same table) run first, as
scikit-learn needs, and this object checks what they cannot (``angle_bins``
odd with ``unidirectional=True``, a frame's geometry, close scales).
"""

import copy
from dataclasses import dataclass, fields

import numpy as np

from ._azimuthal import azimuthal_names, n_azimuthal_columns
from ._gradients import operator_kernels
from ._invariance import REBINNING_METHODS
from ._layouts import n_blocks
from ._params import OPERATOR_NAMES, parameters_of  # noqa: F401  (re-exported, read here)

#: The parameters an options object holds, in the table's order.
OPTION_PARAMETERS = parameters_of("options")


def _fields_from_the_table(cls):
    """Give ``cls`` one field per parameter of ``OPTION_PARAMETERS``, with
    :func:`gradient_histogram`'s default (before ``dataclass`` reads them)."""
    cls.__annotations__ = {parameter.name: object for parameter in OPTION_PARAMETERS}
    for parameter in OPTION_PARAMETERS:
        setattr(cls, parameter.name, parameter.function_default)
    return cls


def check_parameters(values):
    """``values`` (one per parameter of ``OPTION_PARAMETERS``) checked and
    normalised by each parameter's check; a parameter's check runs after
    those it reads (``angle_bins`` after ``unidirectional``)."""
    checked = {}
    later = [parameter for parameter in OPTION_PARAMETERS if parameter.check.needs]
    for parameter in [p for p in OPTION_PARAMETERS if p not in later] + later:
        checked[parameter.name] = parameter.check.validate(
            parameter.name, values[parameter.name], checked)
    for parameter in OPTION_PARAMETERS:
        _check_only_with(parameter, checked)
    return {parameter.name: checked[parameter.name] for parameter in OPTION_PARAMETERS}


def _check_only_with(parameter, checked):
    """Refuse a parameter set away from its default where it has no effect."""
    if parameter.only_with is None or checked[parameter.name] == parameter.function_default:
        return
    other, required = parameter.only_with
    if checked[other] != required:
        raise ValueError(
            f"{parameter.name}={checked[parameter.name]!r} applies only with "
            f"{other}={required!r}, got {other}={checked[other]!r}. Set {other}={required!r} "
            f"or leave {parameter.name} at {parameter.function_default!r}."
        )


@dataclass(frozen=True)
@_fields_from_the_table
class HistogramOptions:
    """Every parameter of a histogram computation, checked and normalised.

    Constructing one validates its arguments (``TypeError`` or ``ValueError``
    naming the parameter and what to pass); its fields then hold plain Python
    values: ``frame`` as ``(x, y, angle_degrees)``, ``size`` as ``(width,
    height)`` or None, ``engine`` as ``'plain'`` or ``'numba'`` (None and
    ``'auto'`` are resolved from ``$GRADHIST_ENGINE`` and what is installed).
    It is frozen, hashable and pickles small, so it can cross to any worker.

    Its fields are the parameters of ``_params.PARAMETERS`` whose
    ``used_by`` names ``'options'``, with :func:`gradient_histogram`'s
    defaults, and mean what they mean for it; ``include_orientation`` says
    whether the caller uses the main orientations (the re-binning methods
    then also bin the plain histogram they come from).
    """

    def __post_init__(self):
        values = {parameter.name: getattr(self, parameter.name)
                  for parameter in OPTION_PARAMETERS}
        for name, value in check_parameters(values).items():
            object.__setattr__(self, name, value)

    @classmethod
    def from_params(cls, params, **overrides):
        """Options from a mapping that may hold other keys too (such as an
        estimator's ``get_params()``); ``overrides`` win."""
        names = {field.name for field in fields(cls)}
        chosen = {name: value for name, value in params.items() if name in names}
        return cls(**{**chosen, **overrides})

    @property
    def n_bins(self):
        """Bins of one histogram: ``angle_bins``, or half of it when unidirectional."""
        return self.angle_bins // 2 if self.unidirectional else self.angle_bins

    @property
    def scales(self):
        """The ``sigma`` values, as a tuple (one block of columns each). Only
        the ``'gaussian'`` operator has a scale: the others compute one block
        whatever ``sigma`` holds, rather than the same block again."""
        if not self.multiscale:
            return (self.sigma[0],) if isinstance(self.sigma, tuple) else (self.sigma,)
        return self.sigma

    @property
    def multiscale(self):
        """Whether the rows hold one block per scale (``sigma`` a sequence,
        with the ``'gaussian'`` operator)."""
        return isinstance(self.sigma, tuple) and self.operator == "gaussian"

    def at_scales(self):
        """One options object per scale, each with a single ``sigma``.

        Copies of this (already checked) object with only ``sigma`` changed,
        not rebuilt through the constructor: the stored values are normalised
        (``normalize=False`` is stored as None), and the public checks rightly
        refuse some of them as arguments."""
        if not isinstance(self.sigma, tuple):
            return [self]
        return [self._with_sigma(sigma) for sigma in self.scales]

    def _with_sigma(self, sigma):
        """This object with the single, checked scale ``sigma``."""
        scale = copy.copy(self)
        object.__setattr__(scale, "sigma", sigma)
        return scale

    @property
    def n_blocks(self):
        """Spatial blocks (rings or cells) per scale; 1 for ``'global'``."""
        return n_blocks(self)

    @property
    def block_length(self):
        """Values per spatial block: ``n_bins``, or ``n_bins // 2 + 1`` DFT
        magnitudes (``invariance='dft_magnitude'`` of the global layout)."""
        if self.layout == "global" and self.rotation_invariant \
                and self.invariance == "dft_magnitude":
            return self.n_bins // 2 + 1
        return self.n_bins

    @property
    def n_azimuthal_bins(self):
        """Orientation bins of the azimuthal part: ``azimuthal_bins``, or half
        of it when unidirectional."""
        return self.azimuthal_bins // 2 if self.unidirectional else self.azimuthal_bins

    @property
    def n_azimuthal(self):
        """Azimuthal columns per scale, after the scale's rings (0 when off)."""
        return n_azimuthal_columns(self)

    @property
    def n_values(self):
        """Values per image: one block of ``block_length`` per ring or cell
        and scale, each scale's azimuthal columns after its blocks."""
        return (self.block_length * self.n_blocks + self.n_azimuthal) * len(self.scales)

    @property
    def n_orientations(self):
        """Orientation columns per image: the main orientation and the
        orientation strength of every scale when ``include_orientation``,
        else none."""
        return 2 * len(self.scales) if self.include_orientation else 0

    @property
    def n_columns(self):
        """Output columns per image: the values, then the main orientation and
        the orientation strength of every scale if asked."""
        return self.n_values + self.n_orientations

    @property
    def period(self):
        """Degrees one histogram spans: 360, or 180 when unidirectional."""
        return 180.0 if self.unidirectional else 360.0

    @property
    def alignment(self):
        """How the engine aligns each image while binning: ``'harmonics'``
        (the gradients' dominant circular harmonic), ``'pixels'`` (their mean
        direction), ``'peak'``, or None when it bins plainly (the
        histogram-based methods are applied after; rings measure every
        angle from the radial direction instead). An aligned grid takes
        ``'harmonics'`` for ``invariance='dominant_harmonic'``, ``'peak'``
        for ``'peak'`` and the mean direction otherwise (the histogram-based
        methods cannot turn a grid)."""
        if not self.rotation_invariant or self.layout == "rings":
            return None
        if self.layout == "grid":
            return REBINNING_METHODS.get(self.invariance, "pixels")
        return REBINNING_METHODS.get(self.invariance)

    @property
    def kernels(self):
        """``(derivative, smoothing or None)`` correlation kernels of the
        operator (at the first scale)."""
        return operator_kernels(self.operator, self.scales[0])

    def feature_names(self):
        """Names of the output columns, as ``get_feature_names_out`` gives them.

        ``[sigma{s}_][ring{k}_|cell{row}_{col}_]angle_{degrees}`` with the
        bin's centre in degrees to three decimals (``angle_022.500``), or
        ``dft_magnitude_{k}`` for the DFT magnitudes; the scale prefix only
        when ``sigma`` is a sequence. The format does not depend on
        ``angle_bins``. With ``azimuthal_harmonics``, each scale's rings are
        followed by ``ring{r}_az{k}_angle_{degrees}_abs`` (ring, harmonic,
        bin), then ``ring{r}_ring{s}_az{k}_angle_{degrees}_real`` / ``_imag``
        (pair, harmonic, bin) for ``'bin_pairs'`` or
        ``ring{r}_ring{s}_az{k}_real`` / ``_imag`` for ``'ring_pairs'``.
        Then, with ``include_orientation``,
        ``[sigma{s}_]main_orientation`` and ``[sigma{s}_]orientation_strength``
        for each scale in turn (each scale's gradients have their own main
        orientation).
        """
        if self.block_length != self.n_bins:
            width = max(2, len(str(self.block_length - 1)))
            values = [f"dft_magnitude_{k:0{width}d}" for k in range(self.block_length)]
        else:
            values = [f"angle_{c:07.3f}"
                      for c in np.arange(self.n_bins) * (360.0 / self.angle_bins)]
        if self.layout == "rings":
            blocks = [f"ring{k}_" for k in range(self.n_rings)]
        elif self.layout == "grid":
            rows, cols = self.grid_shape
            blocks = [f"cell{i}_{j}_" for i in range(rows) for j in range(cols)]
        else:
            blocks = [""]
        scales = [f"sigma{s:g}_" for s in self.scales] if self.multiscale else [""]
        azimuthal = azimuthal_names(self) if self.azimuthal_harmonics else []
        names = [s + name for s in scales
                 for name in [b + v for b in blocks for v in values] + azimuthal]
        if self.include_orientation:
            names += [s + name for s in scales
                      for name in ("main_orientation", "orientation_strength")]
        return names
