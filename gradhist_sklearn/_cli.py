"""The ``gradhist`` command (also ``python -m gradhist_sklearn``).

Exit status: 0 when every input became a row, 1 when some file could not be
read (the others are written), 2 for bad usage, 130 when interrupted.
"""

import argparse
import inspect
import signal
import sys

import numpy as np

from . import __version__
from ._extract import UsageError, extract
from ._gradients import OPERATOR_NAMES
from ._invariance import INVARIANCE_METHODS
from ._progress import Progress
from ._transformer import GradientHistogramTransformer


def _transformer_defaults():
    """The transformer's own defaults: the command has no defaults of its own."""
    return {
        name: p.default
        for name, p in inspect.signature(GradientHistogramTransformer).parameters.items()
    }

EXTRACT_DESCRIPTION = """\
Compute one gradient-orientation histogram row per image file and write them as
one table: a 'path' column, then one column per histogram bin (angle_000,
angle_010, ...), then 'main_orientation' and 'orientation_strength' with
--include-orientation. The numbers are exactly those of
GradientHistogramTransformer with the same options.

Rows are sorted by path. The table is written to a temporary file beside OUTPUT
and renamed when complete, so OUTPUT is whole or absent, even after Ctrl-C.
A file that cannot be read is named on standard error and in
OUTPUT.errors.csv (columns path, reason); the other files are still written.
"""

EXTRACT_EPILOG = """\
exit status:
  0  every input became a row
  1  some inputs could not be read (see OUTPUT.errors.csv); the rest is written
  2  bad usage (unknown option, unknown OUTPUT extension, ...)
  130  interrupted (Ctrl-C): OUTPUT is left as it was

examples:
  gradhist extract photos/ -o features.parquet --n-jobs -1
  gradhist extract 'scans/**/*.tif' --recursive -o features.csv --angle-bins 16
  gradhist extract photos/ -o features.parquet --resume    # only new files
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
    defaults = _transformer_defaults()
    options.add_argument(
        "--angle-bins", type=int, default=defaults["angle_bins"], metavar="B",
        help=f"number of bins over 360 degrees (default: {defaults['angle_bins']}, i.e. "
        f"{360 / defaults['angle_bins']:g} degrees each)",
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
        "--no-normalize", dest="normalize", action="store_false",
        help="do not divide by the image's pixel count (rows then grow with image size)",
    )
    options.add_argument(
        "--operator", default=defaults["operator"], choices=OPERATOR_NAMES,
        help=f"derivative kernel (default: {defaults['operator']}; sobel and scharr "
        "are at OpenCV's scale)",
    )
    options.add_argument(
        "--sigma", type=float, default=defaults["sigma"], metavar="S",
        help=f"scale in pixels of the 'gaussian' operator (default: {defaults['sigma']})",
    )
    options.add_argument(
        "--invariance", default=defaults["invariance"], choices=INVARIANCE_METHODS,
        help="how rotation invariance aligns each histogram (default: "
        f"{defaults['invariance']}; 'centre_of_mass' is the contract's interpolated shift)",
    )
    options.add_argument(
        "--include-orientation", action="store_true",
        help="add two last columns: 'main_orientation', the histogram's circular "
        "centre of mass in degrees, before any rotation-invariant step, and "
        "'orientation_strength', how well it is defined (0 to 1)",
    )
    run = extract.add_argument_group("run options")
    run.add_argument(
        "-r", "--recursive", action="store_true",
        help="descend into sub-directories of directory INPUTs; lets '**' in a "
        "pattern match any depth",
    )
    run.add_argument(
        "-j", "--n-jobs", type=int, default=1, metavar="N",
        help="worker processes reading and computing images (default: 1; -1 for all "
        "CPUs); the numbers do not depend on it",
    )
    run.add_argument(
        "-q", "--quiet", action="store_true",
        help="no progress bar and no summary (errors are still reported); the bar is "
        "shown only when standard error is a terminal",
    )
    run.add_argument(
        "--resume", action="store_true",
        help="keep the rows of an existing OUTPUT and compute only the files not in "
        "it (OUTPUT must have been written with the same options)",
    )
    parser.extract_parser = extract
    return parser


class _Terminated(BaseException):
    """Raised by the SIGTERM handler, so that temporary files are cleaned up."""


def _on_sigterm(signum, frame):
    raise _Terminated


def main(argv=None):
    """Run the command; return its exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command != "extract":
        parser.print_help(sys.stderr)
        return 2
    return _run_extract(args, parser)


def _run_extract(args, parser):
    usage = parser.extract_parser
    if args.n_jobs == 0:
        usage.error("--n-jobs must be a positive number or negative (-1: all CPUs), not 0")
    transformer = GradientHistogramTransformer(
        angle_bins=args.angle_bins,
        unidirectional=args.unidirectional,
        rotation_invariant=args.rotation_invariant,
        normalize=args.normalize,
        operator=args.operator,
        sigma=args.sigma,
        invariance=args.invariance,
        include_orientation=args.include_orientation,
    )
    try:
        # Validates the options; nothing is learnt, but it gives the column names.
        transformer.fit(np.zeros((1, 1, 1)))
    except (ValueError, TypeError) as exc:
        usage.error(str(exc))

    stderr = sys.stderr
    show_progress = not args.quiet and stderr.isatty()
    bars = []

    def make_progress(total):
        bars.append(Progress(total, enabled=show_progress, stream=stderr))
        return bars[-1]

    def report(path, reason):
        text = f"gradhist: cannot read {path}: {reason}"
        if bars:
            bars[-1].message(text)
        else:
            print(text, file=stderr, flush=True)

    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        summary = extract(
            args.inputs,
            args.output,
            transformer,
            recursive=args.recursive,
            n_jobs=args.n_jobs,
            resume=args.resume,
            report=report,
            progress=make_progress,
        )
    except UsageError as exc:
        usage.error(str(exc))
    except (KeyboardInterrupt, _Terminated) as exc:
        if bars:
            bars[-1].clear()
        print(
            f"gradhist: interrupted; {args.output} was not written or changed",
            file=stderr, flush=True,
        )
        return 130 if isinstance(exc, KeyboardInterrupt) else 143
    finally:
        signal.signal(signal.SIGTERM, previous)
    if not args.quiet:
        rows = summary["rows"]
        parts = [f"{rows} row{'' if rows == 1 else 's'} in {args.output}"]
        if summary["kept"]:
            parts.append(f"{summary['kept']} kept, {summary['new']} new")
        if summary["skipped"]:
            parts.append(f"{summary['skipped']} files already there")
        if summary["errors"]:
            parts.append(f"{summary['errors']} unreadable, listed in {summary['errors_file']}")
        print("gradhist: " + "; ".join(parts), file=stderr, flush=True)
    return 1 if summary["errors"] else 0
