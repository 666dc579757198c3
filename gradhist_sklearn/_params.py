"""The parameters' defaults and the names of their choices, in one module
that imports nothing.

Both :class:`~gradhist_sklearn.GradientHistogramTransformer` and the
``gradhist`` command's parser take their defaults from here, so that
``gradhist --help`` can show them without importing scikit-learn (which the
transformer needs, and which takes most of a second to import), and the two
cannot drift apart. The modules that own each choice (``_gradients``,
``_invariance``, ``_layouts``, ``_validation``) re-export its names from here.
"""

#: Names accepted by the ``operator`` parameter: the separable kernels of
#: ``_gradients.KERNELS``, then the derivative of Gaussian.
OPERATOR_NAMES = ("sobel", "scharr", "prewitt", "farid", "central", "gaussian")

#: Names accepted by the ``invariance`` parameter.
INVARIANCE_METHODS = ("dominant_harmonic", "centre_of_mass", "centre_of_mass_rebin", "peak",
                      "dft_magnitude")

#: The spatial layouts: one histogram, concentric rings, a grid of cells.
LAYOUTS = ("global", "rings", "grid")

#: Accepted values of ``normalize``; True means ``'pixels'``.
NORMALIZATIONS = ("pixels", "sqrt", "l1", "l2", "hellinger")

#: Accepted values of ``azimuthal_invariants`` (``_azimuthal``): besides the
#: magnitudes, products between rings per orientation bin, of the rings'
#: totals, or none.
AZIMUTHAL_INVARIANTS = ("bin_pairs", "ring_pairs", "magnitudes")

#: ``GradientHistogramTransformer()``'s parameters, which are also the
#: command's defaults (``gradhist extract`` with no option gives its rows).
TRANSFORMER_DEFAULTS = {
    "angle_bins": 36,
    "unidirectional": False,
    "rotation_invariant": True,
    "normalize": "sqrt",
    "operator": "gaussian",
    "frame": None,
    "size": None,
    "image_shape": None,
    "include_orientation": False,
    "invariance": "dominant_harmonic",
    "sigma": (0.5, 1.0, 2.0),
    "layout": "global",
    "n_rings": 3,
    "grid_shape": (3, 3),
    # Azimuthal harmonics of the rings (_azimuthal): 0 = off.
    "azimuthal_harmonics": 0,
    "azimuthal_bins": 8,
    "azimuthal_invariants": "bin_pairs",
    "n_jobs": None,
}
