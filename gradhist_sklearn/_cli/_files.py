"""Finding the image files named by the command's INPUT arguments."""

import glob
import os

#: File-name extensions taken from a directory (case-insensitive). Files named
#: on the command line, or matched by a glob pattern, are read whatever their
#: extension.
IMAGE_EXTENSIONS = frozenset(
    {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".gif", ".webp", ".pbm", ".pgm",
     ".ppm", ".pnm"}
)


def _is_hidden(name):
    return name.startswith(".")


def _is_image_name(name):
    return not _is_hidden(name) and os.path.splitext(name)[1].lower() in IMAGE_EXTENSIONS


def _images_in(directory, recursive):
    """Image files inside ``directory`` (hidden files and folders skipped)."""
    found = []
    if recursive:
        for root, dirs, files in os.walk(directory):
            dirs[:] = [d for d in dirs if not _is_hidden(d)]
            found.extend(os.path.join(root, f) for f in files if _is_image_name(f))
    else:
        with os.scandir(directory) as entries:
            found.extend(
                entry.path
                for entry in entries
                if _is_image_name(entry.name) and entry.is_file()
            )
    return found


def _files_of(item, recursive):
    """The files one INPUT names, and why it named none (or None)."""
    if os.path.isdir(item):
        paths = _images_in(item, recursive)
        return paths, None if paths else "the directory holds no image file (by extension)"
    if os.path.lexists(item):
        return [item], None
    if any(c in item for c in "*?["):
        paths = []
        for match in glob.glob(item, recursive=recursive):
            paths.extend(_images_in(match, recursive) if os.path.isdir(match) else [match])
        return paths, None if paths else "the pattern matched no file"
    return [], "no such file or directory"


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
    paths : list of str
        Normalised paths (``os.path.normpath``), sorted, without repeats.
    problems : list of (str, str)
        Inputs that gave no file, with the reason.
    """
    excluded = {os.path.abspath(p) for p in exclude}
    found, problems = set(), []
    for item in inputs:
        paths, problem = _files_of(item, recursive)
        if problem is not None:
            problems.append((item, problem))
        found.update(os.path.normpath(p) for p in paths if os.path.abspath(p) not in excluded)
    return sorted(found), problems
