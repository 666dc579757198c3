"""The command line's grammar: the argparse declaration of ``gradhist``, and
the mapping from its parsed arguments to a :class:`HistogramOptions`."""

import argparse

from .. import __version__
from .._params import TRANSFORMER_DEFAULTS as DEFAULTS
from .._params import parameters_of

# The parser imports only the standard library and _params, so that
# ``gradhist --help`` and ``--version`` answer without importing numpy, scipy
# or scikit-learn. Its histogram options are the parameter table's (flag,
# parsing, help); their defaults are the transformer's own: the command has
# no defaults of its own, so ``gradhist extract`` with no option gives
# ``GradientHistogramTransformer()``'s rows.

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
    add_histogram_options(options)
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


def add_histogram_options(group):
    """One option per parameter of the table the command takes: its flag,
    how its text parses, its help and the transformer's default."""
    for parameter in parameters_of("command"):
        spelling = {"metavar": parameter.metavar} if parameter.metavar else {}
        group.add_argument(
            parameter.flag, dest=parameter.name, default=argparse.SUPPRESS,
            help=parameter.check.help_text(parameter), **spelling,
            **parameter.check.argument(parameter))
    group.add_argument(
        "--no-normalize", dest="normalize", action="store_const", const="none",
        default=argparse.SUPPRESS,
        help="the same as --normalize none",
    )


def check_run_options(args):
    """Refuse what argparse cannot refuse by type (a ``ValueError``)."""
    if args.n_jobs == 0:
        raise ValueError("--n-jobs must be a positive number or negative (-1: all CPUs), not 0")


def histogram_options(args):
    """The :class:`HistogramOptions` of parsed ``extract`` arguments: the
    options given, the transformer's defaults for the others (a
    ``TypeError`` or ``ValueError`` naming the option's parameter if a value
    is refused)."""
    from .._options import HistogramOptions

    given = vars(args)
    return HistogramOptions(**{
        parameter.name: parameter.check.from_text(given[parameter.name])
        if parameter.name in given else parameter.default
        for parameter in parameters_of("command")})
