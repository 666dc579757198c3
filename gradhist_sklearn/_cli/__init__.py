"""The ``gradhist`` command (also ``python -m gradhist_sklearn``).

- :mod:`._parser`: the argparse declaration; arguments to :class:`HistogramOptions`.
- :mod:`._run`: :func:`main`: exit status, messages, progress bar.
- :mod:`._extract`: :func:`extract`, the run as a function, in named steps.
- :mod:`._files`: :func:`find_images`, the files named by the INPUT arguments.
- :mod:`._tables`: the csv, parquet and npz tables, the errors file, the
  scratch files and their atomic rename over OUTPUT.
- :mod:`._signals`: SIGTERM as an exception; signals deferred over a commit.
- :mod:`._usage`: :class:`UsageError` (exit status 2).
"""

from ._run import main

__all__ = ["main"]
