"""Finding the image files named by the command's INPUT arguments.

Each file is found once: directories are walked following their links, each
real directory once per walk (a link back up, ``sub/up -> ..``, is not
entered again), ``**`` in a pattern walks the same way, and the files found
are told apart by their resolved path. The order of the files is their
absolute path's, whatever the working directory.
"""

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

    ``paths``: the files, in :func:`path_order`; ``problems``: ``(input or
    folder, reason)`` for what gave no file (a folder that cannot be listed, a
    pattern that matched nothing); ``unsearched``: sub-directories of
    directory INPUTs not searched because ``--recursive`` was not given.
    """

    paths: list
    problems: list = field(default_factory=list)
    unsearched: int = 0
    #: paths a directory listing showed not to be links (resolved by their folder)
    not_links: set = field(default_factory=set, repr=False)
    #: the resolved path of each of ``paths`` (``os.path.realpath``), computed once
    real_paths: set = field(default_factory=set, repr=False)


def path_order(path, cwd=None):
    """The key the files are sorted by: the absolute path (``os.path.abspath``,
    which normalises it), so that the order does not depend on the working
    directory the paths are relative to. ``cwd``: the working directory, when
    the caller has it (``os.getcwd()`` is a system call)."""
    return os.path.normpath(os.path.join(cwd or os.getcwd(), path))


def _is_hidden(name):
    return name.startswith(".")


def _is_image_name(name):
    return not _is_hidden(name) and os.path.splitext(name)[1].lower() in IMAGE_EXTENSIONS


def _is_directory(entry):
    """``entry.is_dir()`` (a link to a directory is one), False for a link
    that cannot be followed (a loop, a dangling link): it is then taken as a
    file, and its reader says why it cannot be read."""
    try:
        return entry.is_dir()
    except OSError:
        return False


def _identity(folder):
    """What tells a real directory apart, whatever the path (links) to it."""
    status = os.stat(folder)
    return status.st_dev, status.st_ino


def _listing(folder, found):
    """The non-hidden entries of ``folder``, sorted by name (so that a real
    directory reached by several paths is always first reached by the same
    one); a folder that cannot be listed is a problem, not a crash."""
    try:
        with os.scandir(folder or os.curdir) as entries:
            return sorted((e for e in entries if not _is_hidden(e.name)), key=lambda e: e.name)
    except OSError as exc:
        found.problems.append((folder, f"cannot list this folder: {exc.strerror or exc}"))
        return []


def _walk(top, found, visited):
    """``top`` and the directories below it, links followed, each real
    directory once (``visited`` holds those already walked), depth first in
    name order: ``(folder, its non-hidden entries)``."""
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            identity = _identity(folder or os.curdir)
        except OSError as exc:
            found.problems.append((folder, f"cannot list this folder: {exc.strerror or exc}"))
            continue
        if identity in visited:
            continue
        visited.add(identity)
        entries = _listing(folder, found)
        yield folder, entries
        stack.extend(e.path for e in reversed(entries) if _is_directory(e))


def _images_in(directory, recursive, found, visited):
    """Add the image files inside ``directory`` to ``found`` (hidden files and
    folders skipped); with ``recursive``, those of every directory below it."""
    if recursive:
        for _folder, entries in _walk(directory, found, visited):
            _add_entries(found, (e for e in entries
                                 if _is_image_name(e.name) and not _is_directory(e)))
        return
    entries = _listing(directory, found)
    found.unsearched += sum(map(_is_directory, entries))
    _add_entries(found, (e for e in entries if _is_image_name(e.name) and not _is_directory(e)))


def _add_entries(found, entries):
    for entry in entries:
        found.paths.append(entry.path)
        if not entry.is_symlink():
            found.not_links.add(os.path.normpath(entry.path))


def _matches(pattern, recursive, found):
    """What ``glob.glob(pattern, recursive=recursive)`` gives, except that
    each ``**`` walks its directories as :func:`_walk` does: glob follows a
    link back up (``sub/up -> ..``) until the path is too long, naming the
    same files again at every turn."""
    parts = pattern.split(os.sep)
    if not recursive or "**" not in parts:
        yield from glob.glob(pattern, recursive=recursive)
        return
    at = parts.index("**")
    head = os.sep.join(parts[:at]) or (os.sep if pattern.startswith(os.sep) else "")
    rest = parts[at + 1:]
    bases = glob.glob(head) if glob.has_magic(head) else [head]
    for base in bases:
        if base and not os.path.isdir(base):
            continue
        for folder, entries in _walk(base, found, set()):
            if rest:
                yield from _matches(os.path.join(glob.escape(folder), *rest), recursive, found)
            else:  # a last '**' matches every file and directory below
                if folder:
                    yield folder
                yield from (e.path for e in entries if not _is_directory(e))


def _pattern_problem(item, recursive):
    reason = "the pattern matched no file"
    if "**" in item and not recursive:
        reason += " ('**' matches sub-directories only with -r/--recursive)"
    return reason


def _add_files_of(item, recursive, found):
    """Add the files one INPUT names to ``found``, or the reason it names none."""
    before = (len(found.paths), len(found.problems))
    visited = set()  # the real directories this INPUT has walked
    if os.path.isdir(item):
        _images_in(item, recursive, found, visited)
        if (len(found.paths), len(found.problems)) == before:
            found.problems.append((item, "the directory holds no image file (by extension)"))
    elif os.path.lexists(item):
        found.paths.append(item)
    elif glob.has_magic(item):
        for match in _matches(item, recursive, found):
            if os.path.isdir(match):
                _images_in(match, recursive, found, visited)
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


def _resolved(path, folders, not_links):
    """``os.path.realpath(path)``, resolving each folder once (``folders``
    keeps them) and asking the system whether the file is a link only for
    the files no directory listing has said it of (``not_links``)."""
    if path not in not_links and os.path.islink(path):
        return os.path.realpath(path)
    folder, name = os.path.split(path)
    if folder not in folders:
        folders[folder] = os.path.realpath(folder)
    return os.path.join(folders[folder], name)


def find_images(inputs, *, recursive=False, exclude=()):
    """Expand INPUT arguments into a sorted list of unique file paths.

    Parameters
    ----------
    inputs : list of str
        Files, directories or glob patterns (``*``, ``?``, ``[...]``;
        ``**`` with ``recursive``).
    recursive : bool
        Descend into sub-directories of directory inputs, following links
        to directories; each real directory is walked once per INPUT, so that
        a link back up (``sub/up -> ..``) adds nothing.
    exclude : iterable of str
        Files never to take (the output and its companions), compared by
        resolved path.

    Returns
    -------
    Found
        ``paths``: normalised (``os.path.normpath``), sorted by
        :func:`path_order` (their absolute path, whatever the working
        directory), each file once by resolved path (a file named twice,
        say relative and absolute, or through a link, gives the name that
        sorts first, the relative one of two names of one absolute path);
        ``problems`` and ``unsearched`` as :class:`Found` says.

    Raises
    ------
    UsageError
        An INPUT that is neither a file, a directory nor a pattern.
    """
    excluded = {os.path.realpath(p) for p in exclude}
    found = Found([])
    for item in inputs:
        _add_files_of(item, recursive, found)
    by_file, folders = {}, {}
    names = {os.path.normpath(p) for p in found.paths}
    # a file named both relative and absolute keeps its relative name
    cwd = os.getcwd()
    for path in sorted(names, key=lambda p: (path_order(p, cwd), os.path.isabs(p), p)):
        by_file.setdefault(_resolved(path, folders, found.not_links), path)
    found.paths = [p for real, p in by_file.items() if real not in excluded]
    found.real_paths = by_file.keys() - excluded
    return found
