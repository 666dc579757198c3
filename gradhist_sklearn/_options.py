"""The histogram's parameters, validated once, as one immutable object.

:class:`HistogramOptions` is what travels: :func:`gradient_histogram` builds
one per call, the transformer one per ``fit``/``transform`` (in the parent
process), the command line one per run, and the engines, the worker tasks
and the dask blocks all take it as it is. Every check of a histogram
parameter lives here, so a value is refused with the same message wherever it
comes in; the transformer's ``_parameter_constraints`` run first (scikit-learn
needs them) and this object checks what they cannot (``angle_bins`` odd with
``unidirectional=True``, ``True`` passed as an integer, a frame's geometry).
"""

from dataclasses import dataclass, fields

import numpy as np

from ._engines import resolve_engine
from ._gradients import OPERATOR_NAMES, operator_kernels
from ._invariance import INVARIANCE_METHODS, REBINNING_METHODS
from ._region import parse_frame, parse_size
from ._validation import check_angle_bins, check_choice, check_flag, check_sigma


@dataclass(frozen=True)
class HistogramOptions:
    """Every parameter of a histogram computation, checked and normalised.

    Constructing one validates its arguments (``TypeError`` or ``ValueError``
    naming the parameter and what to pass); its fields then hold plain Python
    values: ``frame`` as ``(x, y, angle_degrees)``, ``size`` as ``(width,
    height)`` or None, ``engine`` as ``'plain'`` or ``'numba'`` (None and
    ``'auto'`` are resolved from ``$GRADHIST_ENGINE`` and what is installed).
    It is frozen, hashable and pickles small, so it can cross to any worker.

    The parameters mean what they mean for :func:`gradient_histogram`;
    ``include_orientation`` says whether the caller uses the main
    orientations (the re-binning methods then also bin the plain histogram
    they come from).
    """

    angle_bins: int = 36
    unidirectional: bool = False
    rotation_invariant: bool = True
    normalize: bool = True
    operator: str = "gaussian"
    sigma: float = 1.25
    invariance: str = "dominant_harmonic"
    frame: tuple = None
    size: tuple = None
    include_orientation: bool = True
    engine: str = None

    def __post_init__(self):
        unidirectional = check_flag("unidirectional", self.unidirectional)
        checked = dict(
            angle_bins=check_angle_bins(self.angle_bins, unidirectional),
            unidirectional=unidirectional,
            rotation_invariant=check_flag("rotation_invariant", self.rotation_invariant),
            normalize=check_flag("normalize", self.normalize),
            operator=check_choice("operator", self.operator, OPERATOR_NAMES),
            sigma=check_sigma(self.sigma),
            invariance=check_choice("invariance", self.invariance, INVARIANCE_METHODS),
            frame=parse_frame(self.frame),
            size=parse_size(self.size),
            include_orientation=check_flag("include_orientation", self.include_orientation),
            engine=resolve_engine(self.engine),
        )
        for name, value in checked.items():
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
    def n_values(self):
        """Values per image: ``n_bins``, or ``n_bins // 2 + 1`` DFT magnitudes."""
        if self.rotation_invariant and self.invariance == "dft_magnitude":
            return self.n_bins // 2 + 1
        return self.n_bins

    @property
    def n_columns(self):
        """Output columns per image: the values, then the main orientation and
        the orientation strength if asked."""
        return self.n_values + 2 * self.include_orientation

    @property
    def period(self):
        """Degrees one histogram spans: 360, or 180 when unidirectional."""
        return 180.0 if self.unidirectional else 360.0

    @property
    def alignment(self):
        """How the engine aligns each image while binning: ``'harmonics'``
        (the gradients' dominant circular harmonic), ``'pixels'`` (their mean
        direction), ``'peak'``, or None when it bins plainly (the
        histogram-based methods are applied after)."""
        if not self.rotation_invariant:
            return None
        return REBINNING_METHODS.get(self.invariance)

    @property
    def kernels(self):
        """``(derivative, smoothing or None)`` correlation kernels of the operator."""
        return operator_kernels(self.operator, self.sigma)

    def feature_names(self):
        """Names of the output columns, as ``get_feature_names_out`` gives them."""
        if self.rotation_invariant and self.invariance == "dft_magnitude":
            width = max(2, len(str(self.n_values - 1)))
            names = [f"dft_magnitude_{k:0{width}d}" for k in range(self.n_values)]
        else:
            centres = np.arange(self.n_bins) * (360.0 / self.angle_bins)
            if np.allclose(centres, np.round(centres)):
                names = [f"angle_{int(round(c)):03d}" for c in centres]
            else:
                names = [f"angle_{c:07.3f}" for c in centres]
        if self.include_orientation:
            names += ["main_orientation", "orientation_strength"]
        return names
