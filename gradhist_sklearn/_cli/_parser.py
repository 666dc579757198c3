"""The command line's grammar: the argparse declaration of ``gradhist``, and
the mapping from its parsed arguments to a :class:`HistogramOptions`."""

import argparse
import os

from .. import __version__
from .._params import parameters_of
from ._usage import printable

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

Rows are sorted by absolute path. The table is written to a temporary file
beside OUTPUT and renamed when complete, so OUTPUT is whole or absent, even
after Ctrl-C. Rows computed are kept as the run goes in checkpoints beside
OUTPUT (.OUTPUT.parts): after any stop, --resume continues from them.
A file that cannot be read is named on standard error and in
OUTPUT.errors.csv (columns path, reason); the other files are still written.
"""

EXTRACT_EPILOG = """\
exit status:
  0  every input became a row
  1  some inputs could not be read (see OUTPUT.errors.csv); the rest is written
  2  bad usage (unknown option, unknown OUTPUT extension, an INPUT that does not
     exist, INPUTs that name no file, OUTPUT among the INPUTs, another run
     writing OUTPUT, --resume of a damaged table or of one written with other
     options, version or engine, checkpoints and no --resume); nothing is
     written
  3  OUTPUT could not be written (disk full, no permission): it is left as it was
  130  interrupted (Ctrl-C; 143 for SIGTERM): OUTPUT is left as it was, the
       checkpoints stay (--resume continues from them)

examples:
  gradhist extract photos/ -o features.parquet --n-jobs -1
  gradhist extract 'scans/**/*.tif' --recursive -o features.csv --angle-bins 16
  gradhist extract photos/ -o features.parquet --resume    # only new files
  gradhist extract photos/ -o features.parquet --resume --prune  # and drop gone ones
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
    commands = parser.add_subparsers(dest="command", metavar="COMMAND",
                                     parser_class=_HintedParser)
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
        "(default: 1; -1 for all CPUs, -2 all but one; at most 4 per CPU); the numbers "
        "do not depend on it",
    )
    run.add_argument(
        "-q", "--quiet", action="store_true",
        help="no progress bar and no summary (errors are still reported); the bar is "
        "shown only when standard error is a terminal",
    )
    run.add_argument(
        "--resume", action="store_true",
        help="keep the rows of an existing OUTPUT and compute only the files not in "
        "it, taking the rows that an interrupted run kept in its checkpoints (OUTPUT "
        "must have been written with the same options, by the same version and "
        "engine); rows of files not among the INPUTs stay",
    )
    run.add_argument(
        "--prune", action="store_true",
        help="with --resume: drop the rows of OUTPUT whose files are not among the INPUTs",
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


class _HintedParser(argparse.ArgumentParser):
    """An argument parser whose error messages end with :attr:`hint` (set
    from the command line before parsing: :func:`dash_hint`)."""

    hint = ""

    def error(self, message):
        super().error(message + self.hint)


def dash_hint(argv):
    """A hint to add to a usage error when an argument before any ``--``
    starts with a dash and is a file name (an existing file, or a name with
    an image extension, such as ``-dash.png``): argparse takes it for an
    option, and says that INPUT is missing or the option unknown. After a
    ``--``, the hint is for ``-o OUTPUT`` written there, which argparse then
    takes for two INPUTs."""
    from ._files import IMAGE_EXTENSIONS  # the standard library only

    for position, arg in enumerate(argv):
        if arg == "--":
            return _options_after_double_dash(argv[position + 1:])
        if (arg.startswith("-")
                and (os.path.lexists(arg)
                     or os.path.splitext(arg)[1].lower() in IMAGE_EXTENSIONS)):
            return (f"; {arg!r} starts with '-', so it is read as an option: to name it as "
                    f"an INPUT, put '--' before the INPUTs, after the options "
                    f"(gradhist extract -o OUTPUT -- {printable(arg)}), or write "
                    f"./{printable(arg)}")
    return ""


def _options_after_double_dash(after):
    """The hint for ``-o OUTPUT`` written after ``--``, where it is an INPUT."""
    if any(arg in ("-o", "--output") or arg.startswith("--output=") for arg in after):
        return ("; everything after '--' is an INPUT, -o OUTPUT included: put the options "
                "before '--' (gradhist extract -o OUTPUT -- INPUT...)")
    return ""


#: ``--n-jobs`` at most this many times the CPUs this process may run on:
#: more workers than that only wait for one another (each worker process
#: also holds its own copy of the libraries), and tens of thousands cannot
#: even be started.
JOBS_PER_CPU = 4


def usable_cpus():
    """The CPUs this process may run on (its affinity where the system says)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def check_run_options(args):
    """Refuse what argparse cannot refuse by type (a ``ValueError``)."""
    cpus = usable_cpus()
    if args.n_jobs == 0:
        raise ValueError("--n-jobs must be a positive number or negative (-1: all CPUs), not 0")
    if args.n_jobs > JOBS_PER_CPU * cpus:
        raise ValueError(
            f"--n-jobs {args.n_jobs} is more workers than this machine can use: at most "
            f"{JOBS_PER_CPU * cpus} ({JOBS_PER_CPU} per CPU, {cpus} CPUs); -1 uses them all")
    if args.n_jobs < -cpus:
        raise ValueError(
            f"--n-jobs {args.n_jobs} counts back from more CPUs than there are ({cpus}): "
            f"-1 uses all of them, -2 all but one, down to -{cpus}")


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
