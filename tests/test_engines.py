"""Choosing the engine: the environment variable, and the fall-back to the
reference for operators the compiled kernel cannot run."""

import os
import subprocess
import sys

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


# -- where numba's cache goes ----------------------------------------------------------


def _package_dir():
    import gradhist_sklearn

    return os.path.dirname(os.path.abspath(gradhist_sklearn.__file__))


@pytest.mark.explicit_engines
def test_compiled_functions_cache_outside_the_package():
    # A cache inside the package survives an uninstall and shadows the next
    # install (docs/performance.rst, "Where the compiled kernels are cached").
    numba = pytest.importorskip("numba")
    from gradhist_sklearn._engines import _cache, _numba

    modules = [module for module in vars(_numba).values() if isinstance(module, type(_numba))]
    cached = [value for module in modules for value in vars(module).values()
              if isinstance(value, numba.core.registry.CPUDispatcher) and value._cache is not None
              and type(value._cache).__name__ == "FunctionCache"
              and value.py_func.__module__ == module.__name__]
    assert {module.__name__.rpartition(".")[2] for module in modules} >= {
        "_passes", "_binning", "_alignment", "_placement", "_azimuthal", "_drivers"}
    assert len(cached) > 30  # every kernel and helper of every module
    expected = os.path.abspath(_cache.numba_cache_dir())
    for dispatcher in cached:
        path = os.path.abspath(dispatcher._cache._cache_path)
        assert not path.startswith(_package_dir() + os.sep), (dispatcher.__name__, path)
        assert path.startswith(expected + os.sep), (dispatcher.__name__, path, expected)


@pytest.mark.explicit_engines
def test_cache_dir_follows_the_user_settings(monkeypatch, tmp_path):
    numba = pytest.importorskip("numba")
    from gradhist_sklearn._engines import _cache

    monkeypatch.setattr(numba.config, "CACHE_DIR", "")
    if os.name != "nt" and sys.platform != "darwin":
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
        assert _cache.numba_cache_dir() == str(tmp_path / "gradhist-sklearn" / "numba")
        monkeypatch.delenv("XDG_CACHE_HOME")
        assert _cache.numba_cache_dir() == os.path.join(
            os.path.expanduser("~"), ".cache", "gradhist-sklearn", "numba")
    monkeypatch.setattr(numba.config, "CACHE_DIR", str(tmp_path / "mine"))  # NUMBA_CACHE_DIR
    assert _cache.numba_cache_dir() == str(tmp_path / "mine")
    with _cache.cache_location() as folder:
        assert folder == numba.config.CACHE_DIR == str(tmp_path / "mine")
    monkeypatch.setattr(numba.config, "CACHE_DIR", "")
    with _cache.cache_location() as folder:
        assert numba.config.CACHE_DIR == folder == _cache.user_cache_dir()
    assert numba.config.CACHE_DIR == ""  # restored


ENGINE_IMPORT = """
import sys, numba
before = numba.config.CACHE_DIR
from gradhist_sklearn._engines import _numba
assert numba.config.CACHE_DIR == before, (numba.config.CACHE_DIR, before)
print(_numba._drivers.block_histograms._cache._cache_path)
"""


@pytest.mark.explicit_engines
@pytest.mark.parametrize("numba_cache_dir", [None, "chosen"])
def test_cache_dir_when_numba_was_imported_first(tmp_path, numba_cache_dir):
    # numba imported before the package, NUMBA_CACHE_DIR set or not: the
    # engine's cache goes where the settings say, and numba's setting is
    # left as it was for the rest of the process.
    pytest.importorskip("numba")
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "xdg"),
               PYTHONPATH=os.pathsep.join([os.path.dirname(_package_dir()),
                                           os.environ.get("PYTHONPATH", "")]))
    env.pop("NUMBA_CACHE_DIR", None)
    if numba_cache_dir:
        env["NUMBA_CACHE_DIR"] = str(tmp_path / numba_cache_dir)
    done = subprocess.run([sys.executable, "-c", ENGINE_IMPORT], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    expected = tmp_path / (numba_cache_dir or "xdg/gradhist-sklearn/numba")
    assert done.stdout.strip().startswith(str(expected) + os.sep), done.stdout
