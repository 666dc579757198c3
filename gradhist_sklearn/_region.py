"""Rotated-rectangle regions of interest (the contract's region of interest,
``docs/contract.rst``)."""

import math
import numbers

import numpy as np


def parse_frame(frame):
    """Return ``(x, y, angle_degrees)`` for a frame given in any accepted form.

    Parameters
    ----------
    frame : None, (x, y), (x, y, angle) or array of shape (3, 3)
        ``None`` is the image's own frame (origin at the top-left corner of the
        top-left pixel, angle 0). A 3x3 matrix maps frame coordinates to image
        coordinates and must be a rotation plus a translation.
    """
    if frame is None:
        return 0.0, 0.0, 0.0
    values = np.asarray(frame)
    if values.dtype.kind not in "biuf":
        raise TypeError(
            f"frame must hold numbers: (x, y), (x, y, angle_degrees) or a 3x3 "
            f"matrix; got {frame!r}."
        )
    values = values.astype(float)
    if values.shape == (3, 3):
        return _frame_from_matrix(values)
    if values.shape not in ((2,), (3,)):
        raise ValueError(
            f"frame must be (x, y), (x, y, angle_degrees) or a 3x3 homogeneous "
            f"matrix; got an array of shape {values.shape}."
        )
    if not np.isfinite(values).all():
        raise ValueError(f"frame must be finite, got {frame!r}.")
    x, y = values[:2]
    angle = values[2] if values.shape == (3,) else 0.0
    return float(x), float(y), float(angle)


def _frame_from_matrix(matrix, atol=1e-6):
    if not np.isfinite(matrix).all():
        raise ValueError("frame matrix must be finite.")
    if not np.allclose(matrix[2], [0.0, 0.0, 1.0], atol=atol):
        raise ValueError(
            f"frame matrix must be a rigid transform with last row [0, 0, 1], "
            f"got last row {matrix[2].tolist()}."
        )
    rotation = matrix[:2, :2]
    if not np.allclose(rotation.T @ rotation, np.eye(2), atol=atol) or (
        np.linalg.det(rotation) < 0
    ):
        raise ValueError(
            "frame matrix must hold a rotation and a translation only; its "
            f"upper-left 2x2 block {rotation.tolist()} scales, shears or "
            "mirrors. Give the rectangle's size with `size` instead of scaling."
        )
    angle = math.degrees(math.atan2(rotation[1, 0], rotation[0, 0]))
    return float(matrix[0, 2]), float(matrix[1, 2]), angle


def parse_size(size):
    """Return ``(width, height)`` or ``None`` for the whole image."""
    if size is None:
        return None
    if isinstance(size, (str, bytes)) or not np.iterable(size) or len(size) != 2:
        raise ValueError(f"size must be (width, height), got {size!r}.")
    if not all(isinstance(v, numbers.Real) for v in size):
        raise TypeError(f"size must hold two numbers (width, height), got {size!r}.")
    width, height = float(size[0]), float(size[1])
    if math.isnan(width) or math.isnan(height):
        return None
    if width < 0 or height < 0:
        raise ValueError(
            f"size must not be negative, got (width, height) = {size!r}. To turn "
            f"the rectangle, give an angle in the frame instead."
        )
    return width, height


def region_mask(shape, frame, size, mask=None):
    """Boolean mask of the pixels that count, or ``None`` for every pixel.

    Parameters
    ----------
    shape : (height, width)
    frame : (x, y, angle_degrees), as returned by :func:`parse_frame`
    size : (width, height) or None, as returned by :func:`parse_size`
    mask : ndarray of bool, shape ``shape``, optional

    A pixel counts when its centre ``(column + 0.5, row + 0.5)`` lies in the
    half-open rectangle ``0 <= u < width, 0 <= v < height`` of frame
    coordinates, and ``mask`` is True there.
    """
    height, width = shape
    inside = None
    if size is not None:
        x0, y0, angle = frame
        cos_a, sin_a = math.cos(math.radians(angle)), math.sin(math.radians(angle))
        dx = np.arange(width) + 0.5 - x0
        dy = (np.arange(height) + 0.5 - y0)[:, None]
        u = cos_a * dx + sin_a * dy
        v = cos_a * dy - sin_a * dx
        inside = (u >= 0) & (u < size[0]) & (v >= 0) & (v < size[1])
    if mask is not None:
        mask = np.asarray(mask)
        if mask.shape != tuple(shape):
            raise ValueError(
                f"mask has shape {mask.shape} but the image has shape "
                f"{tuple(shape)}; they must be equal."
            )
        if mask.dtype != bool:
            raise TypeError(
                f"mask must be a boolean array, got dtype {mask.dtype}. Use "
                f"mask.astype(bool) if non-zero means 'use this pixel'."
            )
        inside = mask if inside is None else inside & mask
    if inside is not None and not inside.any():
        raise ValueError(
            f"The region of interest (frame={frame}, size={size}"
            f"{', with mask' if mask is not None else ''}) holds no pixel of the "
            f"{height}x{width} image. Move the frame or enlarge the size."
        )
    return inside
