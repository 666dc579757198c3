"""The compiled engine (numba): gradients, angles and the linear split in
one pass over bands of rows, for every layout.

It needs numba, a run-time dependency (the numpy engine runs when numba
cannot be imported). Its modules, by topic:

``_passes``
    The separable filter passes, the reflection at the edges, a band's
    gradients.
``_binning``
    The angle (arctangent), the linear split between two bins, the scatter
    into a histogram's two halves and their fold.
``_alignment``
    The first pass over an aligned image (mean direction, or dominant
    harmonic) and the one dispatch that gives an image's turn and shifts.
``_placement``
    The blocks every vote goes to: the one block of the global histogram,
    rings, grid cells, the spread of invariant rings' centres.
``_azimuthal``
    The rings' azimuthal sums.
``_drivers``
    The one compiled driver and the Python side that builds its arguments.

Every pixel is computed in float64 scalars, whatever the input dtype, so
the numbers agree with the plain numpy engine to about 1e-15 relative.
"""

from ._drivers import BUFFER_PIXELS, histograms, supports

__all__ = ["BUFFER_PIXELS", "histograms", "supports"]
