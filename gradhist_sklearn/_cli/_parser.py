"""The command line's grammar: the argparse declaration of ``gradhist``, and
the mapping from its parsed arguments to a :class:`HistogramOptions`."""

import argparse

from .. import __version__
from .._params import (
    AZIMUTHAL_INVARIANTS,
    INVARIANCE_METHODS,
    LAYOUTS,
    NORMALIZATIONS,
    OPERATOR_NAMES,
)
from .._params import TRANSFORMER_DEFAULTS as DEFAULTS

# The parser imports only the standard library and _params, so that
# ``gradhist --help`` and ``--version`` answer without importing numpy, scipy
# or scikit-learn. DEFAULTS are the transformer's own (one dict in _params):
# the command has no defaults of its own, so ``gradhist extract`` with no
# option gives ``GradientHistogramTransformer()``'s rows.

EXTRACT_DESCRIPTION = """\
Compute one gradient-orientation histogram row per image file and write them as
one table: a 'path' column, then one column per histogram value (named as
GradientHistogramTransformer.get_feature_names_out names them, such as
sigma0.5_angle_010.000), then with --include-orientation each scale's
main orientation and orientation strength (sigma0.5_main_orientation,
sigma0.5_orientation_strength, ...). The defaults are the transformer's and
the numbers exactly its rows.

Rows are sorted by path. The table is written to a temporary file beside OUTPUT
and renamed when complete, so OUTPUT is whole or absent, even after Ctrl-C.
A file that cannot be read is named on standard error and in
OUTPUT.errors.csv (columns path, reason); the other files are still written.
"""

EXTRACT_EPILOG = """\
exit status:
  0  every input became a row
  1  some inputs could not be read (see OUTPUT.errors.csv); the rest is written
  2  bad usage (unknown option, unknown OUTPUT extension, an INPUT that does not
     exist, OUTPUT among the INPUTs, another run writing OUTPUT, --resume of a
     table written with other options or another version); nothing is written
  3  OUTPUT could not be written (disk full, no permission): it is left as it was
  130  interrupted (Ctrl-C; 143 for SIGTERM): OUTPUT is left as it was

examples:
  gradhist extract photos/ -o features.parquet --n-jobs -1
  gradhist extract 'scans/**/*.tif' --recursive -o features.csv --angle-bins 16
  gradhist extract photos/ -o features.parquet --resume    # only new files
  gradhist extract photos/ -o features.npz --sigma 1,2,4   # three scales
"""


def build_parser():
    """The argument parser of ``gradhist`` (its ``extract`` sub-parser is
    ``parser.extract_parser``)."""
    parser = argparse.ArgumentParser(
        prog="gradhist",
        description="Gradient-orientation histogram features of image files.",
        epilog="Run 'gradhist extract --help' for the extraction options.",
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s (gradhist-sklearn) {__version__}"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    extract = commands.add_parser(
        "extract",
        help="image files in, one feature table out (.parquet, .csv or .npz)",
        description=EXTRACT_DESCRIPTION,
        epilog=EXTRACT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    extract.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="an image file, a directory (its image files: .png, .jpg, .jpeg, .tif, "
        ".tiff, .bmp, .gif, .webp, .pbm/.pgm/.ppm/.pnm; hidden files skipped) or a "
        "glob pattern such as 'data/*.png' (quote it to let gradhist expand it)",
    )
    extract.add_argument(
        "-o", "--output", required=True, metavar="OUTPUT",
        help="the table to write; its extension picks the format: .parquet (needs "
        "pyarrow), .csv, or .npz (arrays 'features', 'paths', 'columns', 'options')",
    )
    options = extract.add_argument_group("histogram options (as GradientHistogramTransformer)")
    options.add_argument(
        "--angle-bins", type=int, default=DEFAULTS["angle_bins"], metavar="B",
        help=f"number of bins over 360 degrees (default: {DEFAULTS['angle_bins']}, i.e. "
        f"{360 / DEFAULTS['angle_bins']:g} degrees each)",
    )
    options.add_argument(
        "--unidirectional", action="store_true",
        help="fold opposite directions together: B/2 bins over 180 degrees (B must be even)",
    )
    options.add_argument(
        "--no-rotation-invariant", dest="rotation_invariant", action="store_false",
        help="keep each histogram as measured instead of shifting its centre of mass "
        "to bin 0",
    )
    options.add_argument(
        "--normalize", default=DEFAULTS["normalize"], choices=(*NORMALIZATIONS, "none"),
        help=f"how each block is normalised (default: {DEFAULTS['normalize']}; 'pixels' "
        "divides by the pixel count, 'sqrt' takes its root, 'l1', 'l2' and 'hellinger' "
        "divide each block by its norm, 'none' keeps the sums)",
    )
    options.add_argument(
        "--no-normalize", dest="normalize", action="store_const", const="none",
        help="the same as --normalize none",
    )
    options.add_argument(
        "--operator", default=DEFAULTS["operator"], choices=OPERATOR_NAMES,
        help=f"derivative kernel (default: {DEFAULTS['operator']}; sobel and scharr "
        "are at OpenCV's scale)",
    )
    # One argument, commas between scales: a list of words (nargs='+') would
    # also swallow INPUTs written after it (--sigma 1 2 imgs).
    options.add_argument(
        "--sigma", type=_scales, default=list(DEFAULTS["sigma"]), metavar="S[,S...]",
        help="scale(s) in pixels of the 'gaussian' operator, one block of columns each, "
        f"commas between them (default: {','.join(f'{s:g}' for s in DEFAULTS['sigma'])})",
    )
    options.add_argument(
        "--layout", default=DEFAULTS["layout"], choices=LAYOUTS,
        help=f"where gradients are pooled (default: {DEFAULTS['layout']}): one histogram, "
        "concentric rings, or a grid of cells",
    )
    options.add_argument(
        "--n-rings", type=int, default=DEFAULTS["n_rings"], metavar="K",
        help=f"rings of --layout rings (default: {DEFAULTS['n_rings']})",
    )
    options.add_argument(
        "--grid-shape", type=int, nargs=2, default=list(DEFAULTS["grid_shape"]),
        metavar=("ROWS", "COLS"),
        help="cells of --layout grid (default: "
        f"{' '.join(str(v) for v in DEFAULTS['grid_shape'])})",
    )
    # Azimuthal harmonics of the rings.
    options.add_argument(
        "--azimuthal-harmonics", type=int, default=DEFAULTS["azimuthal_harmonics"],
        metavar="K", help="with --layout rings, also where around each ring its gradients "
        "are: rotation-invariant harmonics 1..K about the centre "
        f"(default: {DEFAULTS['azimuthal_harmonics']}, none)",
    )
    options.add_argument(
        "--azimuthal-bins", type=int, default=DEFAULTS["azimuthal_bins"], metavar="N",
        help="orientation bins of the azimuthal part over the full circle "
        f"(default: {DEFAULTS['azimuthal_bins']})",
    )
    options.add_argument(
        "--azimuthal-invariants", default=DEFAULTS["azimuthal_invariants"],
        choices=AZIMUTHAL_INVARIANTS, help="besides the magnitudes: products between rings "
        "per orientation bin, of the rings' totals, or none "
        f"(default: {DEFAULTS['azimuthal_invariants']})",
    )
    options.add_argument(
        "--invariance", default=DEFAULTS["invariance"], choices=INVARIANCE_METHODS,
        help="how rotation invariance aligns each histogram (default: "
        f"{DEFAULTS['invariance']}; 'centre_of_mass' is the contract's interpolated shift)",
    )
    options.add_argument(
        "--include-orientation", action="store_true",
        help="add two last columns per scale: 'main_orientation', the histogram's "
        "circular centre of mass in degrees, before any rotation-invariant step, and "
        "'orientation_strength', how well it is defined (0 to 1); named with the "
        "scale's prefix (sigma0.5_main_orientation) when there are several scales",
    )
    run = extract.add_argument_group("run options")
    run.add_argument(
        "-r", "--recursive", action="store_true",
        help="descend into sub-directories of directory INPUTs; lets '**' in a "
        "pattern match any depth",
    )
    run.add_argument(
        "-j", "--n-jobs", type=int, default=1, metavar="N",
        help="workers reading and computing images, threads with the compiled engine "
        "(default: 1; -1 for all CPUs); the numbers do not depend on it",
    )
    run.add_argument(
        "-q", "--quiet", action="store_true",
        help="no progress bar and no summary (errors are still reported); the bar is "
        "shown only when standard error is a terminal",
    )
    run.add_argument(
        "--resume", action="store_true",
        help="keep the rows of an existing OUTPUT and compute only the files not in "
        "it (OUTPUT must have been written with the same options, by the same version)",
    )
    parser.extract_parser = extract
    return parser


def _scales(text):
    """``--sigma``'s value: one number, or numbers separated by commas."""
    try:
        return [float(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a number or numbers separated by commas (such as 0.5,1,2), "
            f"got {text!r}") from None


def check_run_options(args):
    """Refuse what argparse cannot refuse by type (a ``ValueError``)."""
    if args.n_jobs == 0:
        raise ValueError("--n-jobs must be a positive number or negative (-1: all CPUs), not 0")


def histogram_options(args):
    """The :class:`HistogramOptions` of parsed ``extract`` arguments (a
    ``TypeError`` or ``ValueError`` naming the option's parameter if a value
    is refused)."""
    from .._options import HistogramOptions

    return HistogramOptions(
        angle_bins=args.angle_bins,
        unidirectional=args.unidirectional,
        rotation_invariant=args.rotation_invariant,
        normalize=False if args.normalize == "none" else args.normalize,
        operator=args.operator,
        sigma=tuple(args.sigma) if len(args.sigma) > 1 else args.sigma[0],
        invariance=args.invariance,
        include_orientation=args.include_orientation,
        layout=args.layout,
        n_rings=args.n_rings,
        grid_shape=tuple(args.grid_shape),
        azimuthal_harmonics=args.azimuthal_harmonics,
        azimuthal_bins=args.azimuthal_bins,
        azimuthal_invariants=args.azimuthal_invariants,
    )
