"""Choosing the engine: the environment variable, and the fall-back to the
reference for operators the compiled kernel cannot run."""

import numpy as np
import pytest
from skimage import data

from gradhist_sklearn import _engines, _gradients, _options
from gradhist_sklearn._engines import _numpy, binned_histograms, select_engine
from gradhist_sklearn._options import HistogramOptions


@pytest.fixture(scope="module")
def photos():
    camera = data.camera()
    return np.stack([camera[:96, :80], camera[200:296, 300:380], camera[400:496, 50:130]])


def add_operator(monkeypatch, name, kernels):
    monkeypatch.setitem(_gradients.KERNELS, name, kernels)
    monkeypatch.setattr(_options, "OPERATOR_NAMES", (*_options.OPERATOR_NAMES, name))


@pytest.mark.explicit_engines
def test_engine_switch(monkeypatch):
    monkeypatch.setenv(_engines.ENV_VAR, "plain")
    assert _engines.resolve_engine() == "plain"
    assert HistogramOptions().engine == "plain"
    monkeypatch.setenv(_engines.ENV_VAR, "auto")
    assert _engines.resolve_engine() == ("numba" if _engines.numba_available() else "plain")
    monkeypatch.setenv(_engines.ENV_VAR, "fortran")
    with pytest.raises(ValueError, match="GRADHIST_ENGINE='fortran' is not an engine"):
        _engines.resolve_engine()
    with pytest.raises(ValueError, match="GRADHIST_ENGINE='fortran' is not an engine"):
        HistogramOptions()
    monkeypatch.setattr(_engines, "_numba_available", False)
    with pytest.raises(ImportError, match=r"pip install numba"):
        _engines.resolve_engine("numba")
    assert _engines.resolve_engine("auto") == "plain"


@pytest.mark.explicit_engines
def test_every_operator_runs_compiled_when_numba_is_chosen():
    numba_engine = pytest.importorskip("gradhist_sklearn._engines._numba")
    for operator in _gradients.OPERATOR_NAMES:
        assert select_engine(HistogramOptions(operator=operator, engine="numba")) is numba_engine
        assert select_engine(HistogramOptions(operator=operator, engine="plain")) is _numpy


@pytest.mark.explicit_engines
@pytest.mark.parametrize("layout", ["global", "rings", "grid"])
def test_every_layout_runs_compiled_when_numba_is_chosen(layout):
    numba_engine = pytest.importorskip("gradhist_sklearn._engines._numba")
    assert select_engine(HistogramOptions(layout=layout, engine="numba")) is numba_engine
    assert select_engine(HistogramOptions(layout=layout, engine="plain")) is _numpy


@pytest.mark.explicit_engines
def test_operators_the_kernel_cannot_run_fall_back_to_plain(photos, monkeypatch):
    numba_engine = pytest.importorskip("gradhist_sklearn._engines._numba")
    calls = []
    monkeypatch.setattr(numba_engine, "histograms", lambda *a: calls.append(a))
    # An even-length kernel, and a derivative that is not antisymmetric (the
    # kernel pairs mirrored taps): never handed to the kernel, and the
    # reference's numbers come back.
    for name, kernels in [("even", (np.array([-1.0, -1.0, 1.0, 1.0]), None)),
                          ("lopsided", (np.array([-1.0, 0.5, 1.0]), np.array([1.0, 2.0, 1.0])))]:
        add_operator(monkeypatch, name, kernels)
        assert not numba_engine.supports(*kernels)
        options = HistogramOptions(operator=name, engine="numba")
        assert select_engine(options) is _numpy
        got = binned_histograms(photos, None, options)
        expected = _numpy.histograms(photos, None, HistogramOptions(operator=name,
                                                                    engine="plain"))
        np.testing.assert_array_equal(got[0], expected[0])
    assert calls == []
