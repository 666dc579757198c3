"""Every parameter, declared once: name, default, check, command-line flag
and one line of documentation, in :data:`PARAMETERS`.

Everything else is built from that table: the transformer's ``__init__``
and ``_parameter_constraints``, :func:`gradient_histogram`'s signature, the
fields and validation of :class:`HistogramOptions`, the ``gradhist extract``
options, the types and defaults in the docstrings' Parameters sections and
the user guide's parameter table (:func:`parameter_table_rst`). Adding a
parameter is one :class:`Parameter` here and the code that uses it
(``docs/architecture.rst`` walks through it).

This module imports only the standard library, so that ``gradhist --help``
answers without numpy or scikit-learn; a check imports its function from
``_validation`` (or ``_region``) only when it runs, and is handed
scikit-learn's constraint classes by the transformer.
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

#: Accepted values of ``dtype``, the precision of the arithmetic and of the
#: output (numpy's ``float32`` and ``float64`` types are accepted too).
DTYPES = ("float32", "float64")

#: Most harmonics ``azimuthal_harmonics`` takes: a period of under 6 degrees
#: around the centre, finer than any ring's pixels tell apart at useful sizes.
MAX_AZIMUTHAL_HARMONICS = 64

#: Most bins ``angle_bins`` takes: bins of 0.0055 degrees, far finer than
#: any gradient's direction is known; beyond it the arrays of one image run
#: out of memory before the histogram means anything.
MAX_ANGLE_BINS = 2**16

#: Most workers ``n_jobs`` asks for (and least, negated): joblib starts one
#: thread or process per worker.
MAX_JOBS = 1024

#: The scales ``sigma`` accepts, in pixels. Below 0.01 the kernel's weights
#: underflow (1e-200 gave NaN gradients) while it has long been the central
#: difference; above 1000 the kernels' length (``8 * sigma + 1`` taps) runs
#: out of memory before it means anything for an image.
SIGMA_RANGE = (0.01, 1000.0)

#: Where a parameter is taken: the transformer, :func:`gradient_histogram`,
#: ``HistogramOptions`` and the command line.
EVERYWHERE = ("transformer", "function", "options", "command")

_SAME = object()


# -- checks ---------------------------------------------------------------------
# A check is the one place that says what a value may be: ``validate``
# refuses a bad one (with the message users see from the function and the
# command), ``constraints`` says it in scikit-learn's terms (the estimator's
# ``_parameter_constraints``), ``argument`` how the command's flag reads its
# text, ``accepts`` what the documentation says.


class Check:
    """How one kind of parameter value is checked, parsed and described."""

    #: Parameters whose checked values ``validate`` reads (checked first).
    needs = ()

    def validate(self, name, value, checked):
        """The value as the options object stores it, or ``TypeError`` /
        ``ValueError`` naming ``name``; ``checked`` holds the values of
        ``needs``."""
        raise NotImplementedError

    def constraints(self, sk):
        """scikit-learn constraints; ``sk`` holds its constraint classes."""
        raise NotImplementedError

    def argument(self, parameter):
        """``add_argument`` keywords of the flag, beside its name and help."""
        return {"type": str}

    def from_text(self, value):
        """The parameter's value from what argparse parsed."""
        return value

    def to_text(self, value):
        """A default as the command's help writes it."""
        return str(value)

    def help_text(self, parameter):
        """The flag's help: the parameter's line and its default."""
        return f"{parameter.doc} (default: {self.to_text(parameter.default)})"


class Flag(Check):
    """True or False."""

    type_text = "bool"
    accepts = "True or False"

    def validate(self, name, value, checked):
        from ._validation import check_flag
        return check_flag(name, value)

    def constraints(self, sk):
        return ["boolean"]

    def argument(self, parameter):
        # A flag says the opposite of its default: --unidirectional,
        # --no-rotation-invariant.
        return {"action": "store_false" if parameter.default else "store_true"}

    def help_text(self, parameter):
        if parameter.default:
            return f"turn {parameter.name} off (it is on by default: {parameter.doc})"
        return parameter.doc


class Integer(Check):
    """An integer in ``[low, high]`` (True and False refused); ``advice``
    ends the message of a value above ``high``."""

    def __init__(self, low=1, high=None, advice=""):
        self.low, self.high, self.advice = low, high, advice

    type_text = "int"

    @property
    def accepts(self):
        high = "" if self.high is None else f", at most {self.high}"
        return f"an integer, at least {self.low}{high}"

    def validate(self, name, value, checked):
        from ._validation import check_integer
        return check_integer(name, value, self.low, self.high, self.advice)

    def constraints(self, sk):
        closed = "left" if self.high is None else "both"
        return [sk.IntegerInterval(self.low, self.high, closed=closed)]

    def argument(self, parameter):
        return {"type": int}


class AngleBins(Integer):
    """A positive integer, even when ``unidirectional`` (the folded
    histogram keeps half of its bins)."""

    needs = ("unidirectional",)

    def validate(self, name, value, checked):
        from ._validation import check_angle_bins
        return check_angle_bins(super().validate(name, value, checked),
                                checked["unidirectional"])


class AzimuthalBins(Integer):
    """A positive integer, even when ``unidirectional`` (the azimuthal part
    folds its bins as the histogram does)."""

    needs = ("unidirectional",)

    def validate(self, name, value, checked):
        from ._validation import check_azimuthal_bins
        return check_azimuthal_bins(super().validate(name, value, checked),
                                    checked["unidirectional"])


class Choice(Check):
    """One of the strings ``names``."""

    def __init__(self, names):
        self.names = names

    @property
    def type_text(self):
        return "{" + ", ".join(repr(name) for name in self.names) + "}"

    @property
    def accepts(self):
        return "one of " + ", ".join(f"``'{name}'``" for name in self.names)

    def validate(self, name, value, checked):
        from ._validation import check_choice
        return check_choice(name, value, self.names)

    def constraints(self, sk):
        return [sk.StrOptions(set(self.names))]

    def argument(self, parameter):
        return {"choices": self.names}


class FloatType(Choice):
    """``'float32'`` or ``'float64'``, or numpy's type of that name (as
    scikit-learn's ``dtype`` parameters take it), stored as its name."""

    def __init__(self):
        super().__init__(DTYPES)

    type_text = "{'float32', 'float64'} or {numpy.float32, numpy.float64}"
    accepts = "``'float32'``, ``'float64'``, ``numpy.float32`` or ``numpy.float64``"

    def validate(self, name, value, checked):
        from ._validation import check_float_type
        return check_float_type(name, value, self.names)

    def constraints(self, sk):
        import numpy as np
        return [sk.StrOptions(set(self.names)), sk.Options(type, {np.float32, np.float64})]


class Operator(Choice):
    """One of the operators: the kernels of ``_gradients.KERNELS``, then
    ``'gaussian'`` (read when checking, so that a kernel added there is
    accepted at once)."""

    def __init__(self):
        super().__init__(OPERATOR_NAMES)

    def validate(self, name, value, checked):
        from ._gradients import KERNELS
        from ._validation import check_choice
        return check_choice(name, value, (*KERNELS, "gaussian"))


class Normalization(Choice):
    """True (``'pixels'``), False (stored as None) or a normalisation's name;
    the command writes False as ``none``."""

    def __init__(self):
        super().__init__(NORMALIZATIONS)

    type_text = "bool or {" + ", ".join(repr(name) for name in NORMALIZATIONS) + "}"
    accepts = "True, False or one of " + ", ".join(f"``'{n}'``" for n in NORMALIZATIONS)

    def validate(self, name, value, checked):
        from ._validation import check_normalize
        return check_normalize(value)

    def constraints(self, sk):
        return ["boolean", sk.StrOptions(set(self.names))]

    def argument(self, parameter):
        return {"choices": (*self.names, "none")}

    def from_text(self, value):
        return False if value == "none" else value

    def to_text(self, value):
        return {True: "pixels", False: "none"}.get(value, value)


class Scales(Check):
    """A scale in pixels, or a sequence of distinct scales (one block each);
    the command takes them separated by commas."""

    type_text = "float or sequence of float"
    accepts = (f"a number of pixels in [{SIGMA_RANGE[0]:g}, {SIGMA_RANGE[1]:g}], or a "
               f"sequence of them")

    def validate(self, name, value, checked):
        from ._validation import check_sigmas
        return check_sigmas(value)

    def constraints(self, sk):
        return [sk.Interval(sk.Real, 0, None, closed="neither"), "array-like"]

    def argument(self, parameter):
        # One argument, commas between scales: a list of words (nargs='+')
        # would also swallow INPUTs written after it (--sigma 1 2 imgs).
        return {"type": comma_separated_numbers}

    def from_text(self, value):
        return tuple(value) if len(value) > 1 else value[0]

    def to_text(self, value):
        return ",".join(f"{scale:g}" for scale in value)


class Pair(Check):
    """Two positive integers, such as ``(rows, cols)``."""

    type_text = "(int, int)"
    accepts = "two positive integers"

    def validate(self, name, value, checked):
        from ._validation import check_grid_shape
        return check_grid_shape(value)

    def constraints(self, sk):
        return [tuple, list]

    def argument(self, parameter):
        return {"type": int, "nargs": 2}

    def from_text(self, value):
        return tuple(value)

    def to_text(self, value):
        return " ".join(str(part) for part in value)


class Frame(Check):
    """A region-of-interest frame: None, (x, y), (x, y, angle) or a 3x3 matrix."""

    type_text = "None, (x, y), (x, y, angle_degrees) or ndarray of shape (3, 3)"
    accepts = "None, (x, y), (x, y, angle_degrees) or a 3x3 rigid transform"

    def validate(self, name, value, checked):
        from ._region import parse_frame
        return parse_frame(value)

    def constraints(self, sk):
        return [None, "array-like"]


class Size(Check):
    """A region-of-interest size: None or (width, height)."""

    type_text = "None or (width, height)"
    accepts = "None or (width, height), not negative"

    def validate(self, name, value, checked):
        from ._region import parse_size
        return parse_size(value)

    def constraints(self, sk):
        return [None, "array-like"]


class ImageShape(Check):
    """How rows of a 2-D ``X`` are images: None or (height, width), checked
    against ``X`` by ``_input``."""

    type_text = "None or (height, width)"
    accepts = "None or (height, width)"

    def constraints(self, sk):
        return [None, tuple, list]


class Jobs(Check):
    """joblib's ``n_jobs``: None, or a non-zero integer within ``MAX_JOBS``
    (the transformer's parameter only, checked by scikit-learn)."""

    type_text = "int"
    accepts = f"None, or an integer from -{MAX_JOBS} to {MAX_JOBS} but 0"

    def constraints(self, sk):
        return [None, sk.IntegerInterval(-MAX_JOBS, -1, closed="both"),
                sk.IntegerInterval(1, MAX_JOBS, closed="both")]


class Engine(Check):
    """``'plain'``, ``'numba'``, ``'auto'`` or None (``$GRADHIST_ENGINE``)."""

    type_text = "{'plain', 'numba', 'auto'} or None"
    accepts = "'plain', 'numba', 'auto' or None"

    def validate(self, name, value, checked):
        from ._engines import resolve_engine
        return resolve_engine(value)


def comma_separated_numbers(text):
    """A flag's value: one number, or numbers separated by commas."""
    try:
        return [float(part) for part in text.split(",")]
    except ValueError:
        import argparse
        raise argparse.ArgumentTypeError(
            f"expected a number or numbers separated by commas (such as 0.5,1,2), "
            f"got {text!r}") from None


# -- the table --------------------------------------------------------------------


class Parameter:
    """One parameter: everything the package says about it.

    Parameters
    ----------
    name : str
        Its name, as the transformer and the functions take it.
    default : object
        The transformer's default (also the command's).
    check : Check
        What it accepts.
    doc : str
        One line of documentation (the command's help, the docs' table, and
        the docstrings where they say no more).
    flag : str or None
        The command's option, or None if the command does not take it.
    metavar : str or None
        The option's value in ``--help``.
    function_default : object, optional
        :func:`gradient_histogram`'s (and ``HistogramOptions``') default,
        where it differs from the transformer's.
    used_by : tuple of str
        Among ``'transformer'``, ``'function'``, ``'options'``, ``'command'``.
    only_with : (str, object), optional
        ``(other, value)``: a value other than the default is refused unless
        parameter ``other`` is ``value``.
    """

    def __init__(self, name, default, check, doc, *, flag=None, metavar=None,
                 function_default=_SAME, used_by=EVERYWHERE, only_with=None):
        self.name, self.default, self.check, self.doc = name, default, check, doc
        self.flag, self.metavar = flag, metavar
        self.function_default = default if function_default is _SAME else function_default
        self.used_by, self.only_with = used_by, only_with

    def __repr__(self):
        return f"Parameter({self.name!r}, default={self.default!r})"


PARAMETERS = (
    Parameter(
        "angle_bins", 36,
        AngleBins(1, MAX_ANGLE_BINS, advice="; 360 gives one-degree bins"),
        "number of bins over the full circle",
        flag="--angle-bins", metavar="B"),
    Parameter(
        "unidirectional", False, Flag(),
        "fold opposite directions together: angle_bins // 2 bins over 180 degrees "
        "(angle_bins must be even)",
        flag="--unidirectional"),
    Parameter(
        "rotation_invariant", True, Flag(),
        "measure every angle from the image's own direction (as invariance says; for "
        "layout='rings', from the radial direction), so that turning the image leaves "
        "its row unchanged",
        flag="--no-rotation-invariant"),
    Parameter(
        "normalize", "sqrt", Normalization(),
        "how each block is scaled: 'pixels' (True) divides by the pixel count, 'sqrt' "
        "takes its root, 'l1', 'l2', 'hellinger' divide by the block's norm; "
        "False ('none') keeps the sums",
        flag="--normalize", function_default=True),
    Parameter(
        "operator", "gaussian", Operator(),
        "derivative kernel; sobel and scharr are at OpenCV's scale",
        flag="--operator"),
    Parameter(
        "frame", None, Frame(),
        "places the region of interest: origin and angle of its rectangle",
        used_by=("transformer", "function", "options")),
    Parameter(
        "size", None, Size(),
        "size of the region of interest in frame coordinates (None: the whole image)",
        used_by=("transformer", "function", "options")),
    Parameter(
        "image_shape", None, ImageShape(),
        "how to read each row of a 2-D X: a flattened image of this shape",
        used_by=("transformer",)),
    Parameter(
        "include_orientation", False, Flag(),
        "add each scale's main orientation and orientation strength as two last columns",
        flag="--include-orientation", function_default=True,
        used_by=("transformer", "options", "command")),
    Parameter(
        "invariance", "dominant_harmonic", Choice(INVARIANCE_METHODS),
        "how rotation invariance aligns each histogram",
        flag="--invariance"),
    Parameter(
        "sigma", (0.5, 1.0, 2.0), Scales(),
        "scale(s) in pixels of the 'gaussian' operator, one block of columns each",
        flag="--sigma", metavar="S[,S...]", function_default=1.25),
    Parameter(
        "layout", "grid", Choice(LAYOUTS),
        "where gradients are pooled: one histogram, concentric rings, or a grid of cells",
        flag="--layout", function_default="global"),
    Parameter(
        "n_rings", 3, Integer(1),
        "number of rings of layout='rings'",
        flag="--n-rings", metavar="K"),
    Parameter(
        "grid_shape", (3, 3), Pair(),
        "(rows, cols) of the cells of layout='grid'",
        flag="--grid-shape", metavar=("ROWS", "COLS")),
    # Azimuthal harmonics of the rings (_azimuthal).
    Parameter(
        "azimuthal_harmonics", 0,
        Integer(0, MAX_AZIMUTHAL_HARMONICS, advice="; 2 to 4 capture the arrangement"),
        "with layout='rings', also where around each ring its gradients are: "
        "rotation-invariant Fourier coefficients of harmonics 1 to K about the centre, "
        "after each scale's rings (0: none)",
        flag="--azimuthal-harmonics", metavar="K", only_with=("layout", "rings")),
    Parameter(
        "azimuthal_bins", 4, AzimuthalBins(1, MAX_ANGLE_BINS),
        "orientation bins of the azimuthal part over the full circle",
        flag="--azimuthal-bins", metavar="N"),
    Parameter(
        "azimuthal_invariants", "bin_pairs", Choice(AZIMUTHAL_INVARIANTS),
        "besides the azimuthal magnitudes: products between rings per orientation bin, "
        "of the rings' totals, or none",
        flag="--azimuthal-invariants"),
    Parameter(
        "dtype", "float64", FloatType(),
        "precision of the arithmetic and of the output: 'float32' runs twice the "
        "vector lanes, within the bound the contract states of the 'float64' result",
        flag="--dtype"),
    Parameter(
        "n_jobs", None, Jobs(),
        "number of joblib workers (None: 1; -1: all processors); the numbers do not "
        "depend on it",
        used_by=("transformer",)),
    Parameter(
        "engine", None, Engine(),
        "the engine that bins: 'plain', 'numba', or None for $GRADHIST_ENGINE",
        used_by=("options",)),
)

#: The parameters by name.
BY_NAME = {parameter.name: parameter for parameter in PARAMETERS}


def parameters_of(user):
    """The parameters ``user`` takes (``'transformer'``, ``'function'``,
    ``'options'`` or ``'command'``), in the table's order."""
    return tuple(parameter for parameter in PARAMETERS if user in parameter.used_by)


def defaults_of(user):
    """``{name: default}`` of the parameters ``user`` takes: the transformer's
    defaults for the transformer and the command, the function's otherwise."""
    transformer_like = user in ("transformer", "command")
    return {parameter.name: parameter.default if transformer_like
            else parameter.function_default for parameter in parameters_of(user)}


#: ``GradientHistogramTransformer()``'s parameters, which are also the
#: command's defaults (``gradhist extract`` with no option gives its rows).
TRANSFORMER_DEFAULTS = defaults_of("transformer")


# -- documentation ------------------------------------------------------------


def _default_text(value):
    return f"``{value!r}``"


def parameter_table_rst():
    """The user guide's parameter table (reStructuredText), from the table."""
    lines = [".. list-table::", "   :header-rows: 1", "   :widths: 18 20 22 20 40", "",
             "   * - parameter", "     - default", "     - accepts",
             "     - ``gradhist extract``", "     - what it does"]
    for parameter in parameters_of("transformer"):
        default = _default_text(parameter.default)
        if parameter.function_default != parameter.default and \
                "function" in parameter.used_by:
            default += f" (``gradient_histogram``: {_default_text(parameter.function_default)})"
        lines += [f"   * - ``{parameter.name}``", f"     - {default}",
                  f"     - {parameter.check.accepts}",
                  f"     - ``{parameter.flag}``" if parameter.flag else "     - —",
                  f"     - {parameter.doc.replace('*', chr(92) + '*')}"]
    return "\n".join(lines) + "\n"


def document_parameters(docstring, user, leading=0):
    """``docstring`` with the Parameters entries of the table's parameters
    completed from the table.

    In the source, a parameter of the table may be written by its name alone
    (its explanation indented below it, as numpydoc's other entries): its
    type and default are added here. A parameter of the table the docstring
    does not mention gets its one line of documentation. The entries follow
    the signature's order: the ``leading`` entries of the docstring first,
    then the table's, then the docstring's others.
    """
    head, entries, tail = _split_parameters(docstring)
    by_name = {_entry_name(entry): entry for entry in entries}
    table = parameters_of(user)
    names = {parameter.name for parameter in table}
    others = [entry for entry in entries if _entry_name(entry) not in names]
    ordered = others[:leading] + [_table_entry(parameter, user, by_name.get(parameter.name))
                                  for parameter in table] + others[leading:]
    return head + "".join(ordered) + tail


_INDENT = "    "


def _split_parameters(docstring):
    """``(before, entries, after)`` of a numpydoc Parameters section (each
    entry a header line and its indented body, newlines kept)."""
    lines = docstring.splitlines(keepends=True)

    def is_title(i):
        return i + 1 < len(lines) and set(lines[i + 1].strip()) == {"-"} and lines[i].strip()

    start = next(i for i, line in enumerate(lines)
                 if line.strip() == "Parameters" and is_title(i)) + 2
    end = next((i for i in range(start, len(lines)) if is_title(i)), len(lines))
    while not lines[end - 1].strip():
        end -= 1
    entries = []
    for line in lines[start:end]:
        if line.strip() and not line.startswith(2 * _INDENT):
            entries.append("")
        entries[-1] += line
    return "".join(lines[:start]), entries, "".join(lines[end:])


def _entry_name(entry):
    return entry.partition("\n")[0].split(":")[0].strip()


def _table_entry(parameter, user, written):
    default = parameter.function_default if user == "function" else parameter.default
    header = f"{_INDENT}{parameter.name} : {parameter.check.type_text}, default={default!r}\n"
    if written is None:
        return header + f"{2 * _INDENT}{parameter.doc[0].upper()}{parameter.doc[1:]}.\n"
    first, _, body = written.partition("\n")
    return header + body


if __name__ == "__main__":  # python -m gradhist_sklearn._params: the docs' table
    print(parameter_table_rst(), end="")
