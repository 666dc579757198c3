"""Finding the image files named by the command's INPUT arguments."""

import glob
import os
from dataclasses import dataclass, field

from ._usage import UsageError

#: File-name extensions taken from a directory (case-insensitive). Files named
#: on the command line, or matched by a glob pattern, are read whatever their
#: extension.
IMAGE_EXTENSIONS = frozenset(
    {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".gif", ".webp", ".pbm", ".pgm",
     ".ppm", ".pnm"}
)


@dataclass
class Found:
    """What the INPUT arguments name.

    ``paths``: the files, sorted; ``problems``: ``(input or folder, reason)``
    for what gave no file (a folder that cannot be listed, a pattern that
    matched nothing); ``unsearched``: sub-directories of directory INPUTs not
    searched because ``--recursive`` was not given.
    """

    paths: list
    problems: list = field(default_factory=list)
    unsearched: int = 0


def _is_hidden(name):
    return name.startswith(".")


def _is_image_name(name):
    return not _is_hidden(name) and os.path.splitext(name)[1].lower() in IMAGE_EXTENSIONS


def _is_directory(entry):
    """``entry.is_dir()``, False for a link that cannot be followed (a loop,
    a dangling link): it is then taken as a file, and its reader says why it
    cannot be read."""
    try:
        return entry.is_dir()
    except OSError:
        return False


def _images_in(directory, recursive, found):
    """Add the image files inside ``directory`` to ``found`` (hidden files and
    folders skipped); a folder that cannot be listed is a problem, not a crash."""
    if recursive:
        def unreadable(error):
            found.problems.append((error.filename or directory,
                                   f"cannot list this folder: {error.strerror or error}"))

        for root, dirs, files in os.walk(directory, onerror=unreadable):
            dirs[:] = [d for d in dirs if not _is_hidden(d)]
            found.paths.extend(os.path.join(root, f) for f in files if _is_image_name(f))
        return
    try:
        with os.scandir(directory) as entries:
            for entry in entries:
                if _is_directory(entry):
                    found.unsearched += not _is_hidden(entry.name)
                elif _is_image_name(entry.name):
                    found.paths.append(entry.path)
    except OSError as exc:
        found.problems.append((directory, f"cannot list this folder: {exc.strerror or exc}"))


def _pattern_problem(item, recursive):
    reason = "the pattern matched no file"
    if "**" in item and not recursive:
        reason += " ('**' matches sub-directories only with -r/--recursive)"
    return reason


def _add_files_of(item, recursive, found):
    """Add the files one INPUT names to ``found``, or the reason it names none."""
    before = (len(found.paths), len(found.problems))
    if os.path.isdir(item):
        _images_in(item, recursive, found)
        if (len(found.paths), len(found.problems)) == before:
            found.problems.append((item, "the directory holds no image file (by extension)"))
    elif os.path.lexists(item):
        found.paths.append(item)
    elif any(c in item for c in "*?["):
        for match in glob.glob(item, recursive=recursive):
            if os.path.isdir(match):
                _images_in(match, recursive, found)
            else:
                found.paths.append(match)
        if len(found.paths) == before[0]:
            found.problems.append((item, _pattern_problem(item, recursive)))
    else:
        raise UsageError(f"INPUT {item!r} does not exist (no such file or directory)"
                         + _number_hint(item))


def _number_hint(item):
    """A hint for an INPUT that is a number: a second scale meant for --sigma."""
    try:
        float(item)
    except ValueError:
        return ""
    return "; --sigma takes one value or a comma-separated list, such as --sigma 1,2"


def find_images(inputs, *, recursive=False, exclude=()):
    """Expand INPUT arguments into a sorted list of unique file paths.

    Parameters
    ----------
    inputs : list of str
        Files, directories or glob patterns (``*``, ``?``, ``[...]``;
        ``**`` with ``recursive``).
    recursive : bool
        Descend into sub-directories of directory inputs.
    exclude : iterable of str
        Files never to take (the output and its companions).

    Returns
    -------
    Found
        ``paths``: normalised (``os.path.normpath``), sorted, each file once
        (a file named twice, say relative and absolute, gives its first
        name); ``problems`` and ``unsearched`` as :class:`Found` says.

    Raises
    ------
    UsageError
        An INPUT that is neither a file, a directory nor a pattern.
    """
    excluded = {os.path.abspath(p) for p in exclude}
    found = Found([])
    for item in inputs:
        _add_files_of(item, recursive, found)
    by_location = {}
    for path in sorted(os.path.normpath(p) for p in found.paths):
        by_location.setdefault(os.path.abspath(path), path)
    found.paths = sorted(p for a, p in by_location.items() if a not in excluded)
    return found
