"""Gradient-orientation histogram features for scikit-learn.

The functional core (:func:`image_gradients`, :func:`gradient_histogram`,
:func:`orientation_mask`) needs only numpy, scipy and scikit-image; the
:class:`GradientHistogramTransformer` puts it in scikit-learn Pipelines, and
:class:`GradientHistogramDisplay` draws histograms with matplotlib (optional,
imported only when something is drawn).

The public names are imported when first used (PEP 562), so that importing
the package, and the ``gradhist`` command's ``--help``, do not pay for
scikit-learn and scipy (about a second) when they are not needed.
"""

import importlib

__version__ = "0.1.0"

#: public name -> the private module that defines it.
_SOURCES = {
    "GradientHistogram": "._histogram",
    "GradientHistogramDisplay": "._plotting",
    "GradientHistogramTransformer": "._transformer",
    "ImageReadError": "._io",
    "gradient_histogram": "._histogram",
    "image_gradients": "._gradients",
    "orientation_mask": "._histogram",
    "read_image": "._io",
}

__all__ = [*_SOURCES, "__version__"]


def __getattr__(name):
    """Import a public name's module the first time the name is used."""
    try:
        module = _SOURCES[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__():
    return sorted({*globals(), *_SOURCES})
