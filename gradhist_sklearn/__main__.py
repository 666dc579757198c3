"""``python -m gradhist_sklearn``: the same as the ``gradhist`` command."""

from ._cli import main

if __name__ == "__main__":
    raise SystemExit(main())
