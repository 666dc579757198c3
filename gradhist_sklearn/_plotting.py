"""Plotting of gradient-orientation histograms (matplotlib, optional).

This module sits at the edge of the package: nothing else imports it at run
time, and matplotlib is imported only when something is drawn, so the core
keeps working without it. Install matplotlib to use it::

    pip install matplotlib
"""

import inspect

import numpy as np

from ._histogram import gradient_histogram
from ._invariance import centre_of_mass_turns, orientation_strengths

_KINDS = ("polar", "bar")


def _import_pyplot(caller):
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - exercised without matplotlib
        raise ImportError(
            f"{caller} needs matplotlib, which is not installed. Install it with "
            "`pip install matplotlib`."
        ) from exc
    return plt


class GradientHistogramDisplay:
    """Gradient-orientation histogram visualisation.

    Draws a histogram as a rose (polar) diagram or as bars, and marks its
    main orientation, with its value and strength in the legend. Create it
    with :meth:`from_image` or :meth:`from_histogram` rather than directly;
    both draw at once. The constructor only stores the values, and
    :meth:`plot` draws them. All
    drawn artists are kept as attributes, in the manner of scikit-learn's
    ``*Display`` classes.

    Angles follow the package's image coordinates: 0 degrees points right and
    90 degrees points down (``y`` grows downward). The polar plot therefore
    runs clockwise on screen, so a bar points the way the gradients point in
    the picture.

    Parameters
    ----------
    histogram : array-like of shape (n_bins,)
        Magnitude per orientation bin, as returned by
        :func:`gradient_histogram`. Bin ``i`` is centred on ``i * width``
        degrees, with ``width = 360 / n_bins`` (``180 / n_bins`` when
        ``unidirectional``).
    main_orientation : float or None, default=None
        Main orientation in degrees, as reported by
        :func:`gradient_histogram`. None computes it from ``histogram`` as its
        circular centre of mass.
    orientation_strength : float or None, default=None
        How well the main orientation is defined, in ``[0, 1]``, as reported
        by :func:`gradient_histogram`. None computes it from ``histogram``
        (its mean resultant length). Shown in the legend: near 0, the
        marker's angle is decided by small differences and means little.
    unidirectional : bool, default=False
        Whether the histogram covers 180 degrees (opposite directions folded
        together) rather than 360.
    rotation_invariant : bool, default=False
        Whether the histogram has been aligned (``rotation_invariant=True``
        in :func:`gradient_histogram`): its bin angles are then relative to
        the image's alignment angle. The marker is drawn where the main
        orientation lies on that relative axis, the drawn histogram's own
        centre of mass, and the legend gives both that angle and
        ``main_orientation`` as measured in the image.

    Attributes
    ----------
    bin_centres_ : ndarray of shape (n_bins,)
        Angle of each bin's centre, in degrees.
    ax_ : matplotlib Axes
        Axes the histogram is drawn on (a polar Axes for ``kind="polar"``).
    figure_ : matplotlib Figure
        Figure holding ``ax_``.
    bars_ : matplotlib BarContainer
        One bar per bin, in bin order; the bar heights are the histogram.
    mirror_bars_ : matplotlib BarContainer or None
        For a unidirectional histogram drawn with ``kind="polar"``, the same
        bars turned by 180 degrees (each bin stands for an axis, both ways);
        None otherwise.
    orientation_line_ : matplotlib Line2D
        The main-orientation marker: a radius (a diameter when
        unidirectional) on a polar plot, a vertical line on a bar plot. Its
        label, the legend's entry, starts with the angle it is drawn at.
    orientation_angle_ : float
        Angle in degrees at which the marker is drawn (on a bar plot,
        wrapped into the drawn range ``[-width / 2, period - width / 2)``).

    See Also
    --------
    gradient_histogram : compute the histogram and its main orientation.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from skimage import data
    >>> from gradhist_sklearn import GradientHistogramDisplay
    >>> display = GradientHistogramDisplay.from_image(
    ...     data.camera(), angle_bins=36, rotation_invariant=False)
    >>> len(display.bars_)
    36
    >>> round(display.orientation_angle_, 1) == round(display.main_orientation, 1)
    True
    >>> display.orientation_line_.get_label()
    'main orientation 307.9° (strength 0.05)'
    >>> plt.close(display.figure_)
    """

    def __init__(
        self, histogram, *, main_orientation=None, orientation_strength=None,
        unidirectional=False, rotation_invariant=False
    ):
        histogram = np.asarray(histogram, dtype=float)
        if histogram.ndim != 1 or histogram.size == 0:
            raise ValueError(
                f"histogram must be a non-empty 1-D array of bin values, got shape "
                f"{histogram.shape}."
            )
        if not np.isfinite(histogram).all():
            raise ValueError("histogram must hold finite values (no NaN or infinity).")
        self.histogram = histogram
        self.unidirectional = bool(unidirectional)
        self.rotation_invariant = bool(rotation_invariant)
        if main_orientation is None:
            main_orientation = float(centre_of_mass_turns(histogram[np.newaxis])[0] * self._period)
        elif not np.isfinite(main_orientation):
            raise ValueError(f"main_orientation must be finite, got {main_orientation!r}.")
        self.main_orientation = float(main_orientation)
        if orientation_strength is None:
            orientation_strength = float(orientation_strengths(histogram[np.newaxis])[0])
        elif not 0.0 <= orientation_strength <= 1.0:
            raise ValueError(
                f"orientation_strength must lie in [0, 1], got {orientation_strength!r}.")
        self.orientation_strength = float(orientation_strength)

    @property
    def _period(self):
        return 180.0 if self.unidirectional else 360.0

    @property
    def _bin_width(self):
        return self._period / self.histogram.size

    def plot(self, ax=None, *, kind="polar", bar_kwargs=None, line_kwargs=None, legend=True):
        """Draw the histogram and mark its main orientation.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on. For ``kind="polar"`` it must be a polar Axes
            (``plt.subplots(subplot_kw={"projection": "polar"})``). None
            creates a new figure and Axes of the right kind.
        kind : {'polar', 'bar'}, default='polar'
            ``'polar'`` draws a rose diagram, one wedge per bin; ``'bar'``
            draws bars against the angle in degrees.
        bar_kwargs : dict, default=None
            Keyword arguments passed to ``ax.bar``.
        line_kwargs : dict, default=None
            Keyword arguments passed to ``ax.plot`` (polar) or ``ax.axvline``
            (bar) for the orientation marker.
        legend : bool, default=True
            Whether to add a legend giving the main orientation.

        Returns
        -------
        display : GradientHistogramDisplay
            The object itself, with the drawn artists stored as attributes.

        Examples
        --------
        >>> import matplotlib.pyplot as plt
        >>> from gradhist_sklearn import GradientHistogramDisplay
        >>> display = GradientHistogramDisplay([0.0, 4.0, 1.0, 0.0])
        >>> fig, ax = plt.subplots()
        >>> display = display.plot(ax=ax, kind="bar")
        >>> [float(bar.get_height()) for bar in display.bars_]
        [0.0, 4.0, 1.0, 0.0]
        >>> plt.close(fig)
        """
        if kind not in _KINDS:
            raise ValueError(f"kind must be 'polar' or 'bar', got {kind!r}.")
        ax = self._axes_for(kind, ax)
        self.bin_centres_ = np.arange(self.histogram.size) * self._bin_width
        marker = self._marker_angle()
        bar_kwargs, line_kwargs = self._styles(bar_kwargs, line_kwargs, marker)
        self.mirror_bars_ = None
        if kind == "polar":
            self._plot_polar(ax, marker, bar_kwargs, line_kwargs)
        else:
            self._plot_bar(ax, marker, bar_kwargs, line_kwargs)
        if legend:
            self._add_legend(ax)
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @staticmethod
    def _axes_for(kind, ax):
        """``ax``, or a new Axes of the right kind when None; refuse a mismatch."""
        plt = _import_pyplot("GradientHistogramDisplay.plot")
        if ax is None:
            subplot_kw = {"projection": "polar"} if kind == "polar" else None
            _, ax = plt.subplots(subplot_kw=subplot_kw)
        is_polar = getattr(ax, "name", None) == "polar"
        if kind == "polar" and not is_polar:
            raise ValueError(
                "kind='polar' needs a polar Axes: create it with "
                "plt.subplots(subplot_kw={'projection': 'polar'}), or use kind='bar'."
            )
        if kind == "bar" and is_polar:
            raise ValueError("kind='bar' needs an ordinary (not polar) Axes.")
        return ax

    def _marker_angle(self):
        """Where the main orientation lies on the drawn axis, in degrees: as
        given for a plain histogram; for an aligned one, relative to the
        alignment angle, i.e. the drawn histogram's own centre of mass."""
        if not self.rotation_invariant:
            return self.main_orientation
        return float(centre_of_mass_turns(self.histogram[np.newaxis])[0] * self._period)

    def _styles(self, bar_kwargs, line_kwargs, marker):
        """The user's bar and marker keyword arguments over the defaults."""
        bar_kwargs = {"edgecolor": "white", "linewidth": 0.5, **(bar_kwargs or {})}
        line_kwargs = {"color": "tab:red", "linewidth": 2.0, **(line_kwargs or {})}
        line_kwargs.setdefault("label", self._orientation_label(marker))
        return bar_kwargs, line_kwargs

    def _plot_polar(self, ax, marker, bar_kwargs, line_kwargs):
        """Rose diagram: one wedge per bin (and a pale mirror when unidirectional)."""
        width = np.radians(self._bin_width)
        ax.set_theta_zero_location("E")
        ax.set_theta_direction(-1)  # y grows downward: 90 degrees points down
        theta = np.radians(self.bin_centres_)
        self.bars_ = ax.bar(theta, self.histogram, width=width, **bar_kwargs)
        if self.unidirectional:
            mirror_kwargs = {**bar_kwargs, "alpha": 0.35}
            mirror_kwargs.pop("label", None)
            self.mirror_bars_ = ax.bar(theta + np.pi, self.histogram, width=width,
                                       **mirror_kwargs)
        top = max(float(self.histogram.max()), np.finfo(float).tiny)
        ax.set_ylim(0, top * 1.05)
        self._polar_marker(ax, marker, top, line_kwargs)

    def _polar_marker(self, ax, marker, top, line_kwargs):
        """Main-orientation marker on a polar Axes: a radius, or a diameter
        when unidirectional (both ways along the axis the orientation names)."""
        angle = np.radians(marker)
        if self.unidirectional:
            thetas = [angle + np.pi, angle + np.pi, angle, angle]
            radii = [top, 0.0, 0.0, top]
        else:
            thetas, radii = [angle, angle], [0.0, top]
        (self.orientation_line_,) = ax.plot(thetas, radii, **line_kwargs)
        self.orientation_angle_ = float(marker)

    def _plot_bar(self, ax, marker, bar_kwargs, line_kwargs):
        """Bars against the angle in degrees, with a vertical orientation line."""
        width = self._bin_width
        self.bars_ = ax.bar(self.bin_centres_, self.histogram, width=width, **bar_kwargs)
        self._bar_marker(ax, marker, line_kwargs)
        # Bin 0 spans [-width/2, width/2): show the circle as
        # [-width/2, period - width/2) so that every bar is whole.
        ax.set_xlim(-width / 2, self._period - width / 2)
        step = 90 if not self.unidirectional else 45
        ax.set_xticks(np.arange(0, self._period, step))
        relative = " relative to the alignment angle" if self.rotation_invariant else ""
        ax.set_xlabel(f"gradient orientation{relative} (degrees)")
        ax.set_ylabel("magnitude")

    def _bar_marker(self, ax, marker, line_kwargs):
        """Main-orientation line on a bar plot, wrapped into the drawn range
        ``[-width/2, period - width/2)``."""
        high = self._period - self._bin_width / 2
        position = marker - self._period if marker >= high else marker
        self.orientation_line_ = ax.axvline(position, **line_kwargs)
        self.orientation_angle_ = float(position)

    @staticmethod
    def _add_legend(ax):
        ax.legend(loc="upper right", fontsize="small", framealpha=0.8)

    def _orientation_label(self, marker):
        """The marker's legend entry: the angle it is drawn at first."""
        strength = f"strength {self.orientation_strength:.2f}"
        if not self.rotation_invariant:
            return f"main orientation {marker:.1f}° ({strength})"
        return (f"main orientation {marker:.1f}° relative "
                f"({self.main_orientation:.1f}° in the image; {strength})")

    @classmethod
    def from_histogram(
        cls,
        histogram,
        *,
        main_orientation=None,
        orientation_strength=None,
        unidirectional=False,
        rotation_invariant=False,
        ax=None,
        kind="polar",
        bar_kwargs=None,
        line_kwargs=None,
        legend=True,
    ):
        """Plot a histogram already computed.

        Parameters
        ----------
        histogram : array-like of shape (n_bins,)
            Magnitude per orientation bin, for example
            ``gradient_histogram(image).histogram`` or one row of
            :class:`GradientHistogramTransformer`'s output (without the
            orientation column).
        main_orientation : float or None, default=None
            Main orientation in degrees. None computes it from ``histogram``
            as its circular centre of mass.
        orientation_strength : float or None, default=None
            Strength of the main orientation, in ``[0, 1]``. None computes it
            from ``histogram`` (its mean resultant length).
        unidirectional : bool, default=False
            Whether the histogram covers 180 degrees rather than 360.
        rotation_invariant : bool, default=False
            Whether the histogram was aligned (its bin angles relative to the
            image's alignment angle); the marker is then drawn at its own
            centre of mass, where the main orientation lies relative to
            that angle.
        ax : matplotlib Axes, default=None
            Axes to draw on (polar for ``kind="polar"``); None creates one.
        kind : {'polar', 'bar'}, default='polar'
            Rose diagram or bars against the angle.
        bar_kwargs : dict, default=None
            Keyword arguments passed to ``ax.bar``.
        line_kwargs : dict, default=None
            Keyword arguments for the orientation marker.
        legend : bool, default=True
            Whether to add a legend giving the main orientation.

        Returns
        -------
        display : GradientHistogramDisplay
            The display, drawn; its artists are stored as attributes.

        See Also
        --------
        GradientHistogramDisplay.from_image : compute and plot in one call.

        Examples
        --------
        >>> import matplotlib.pyplot as plt
        >>> from gradhist_sklearn import GradientHistogramDisplay
        >>> display = GradientHistogramDisplay.from_histogram(
        ...     [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0], kind="bar")
        >>> round(display.main_orientation, 6)  # halfway between 315 and 360
        337.5
        >>> display.orientation_angle_  # drawn left of bin 0, where 337.5 wraps to
        -22.5...
        >>> plt.close(display.figure_)
        """
        display = cls(
            histogram,
            main_orientation=main_orientation,
            orientation_strength=orientation_strength,
            unidirectional=unidirectional,
            rotation_invariant=rotation_invariant,
        )
        return display.plot(
            ax=ax, kind=kind, bar_kwargs=bar_kwargs, line_kwargs=line_kwargs, legend=legend
        )

    @classmethod
    def from_image(
        cls,
        image,
        *,
        ax=None,
        kind="polar",
        bar_kwargs=None,
        line_kwargs=None,
        legend=True,
        **params,
    ):
        """Compute an image's histogram with :func:`gradient_histogram` and plot it.

        Parameters
        ----------
        image : array-like, shape (height, width) or (height, width, 3 or 4)
            Grey or colour image, as for :func:`gradient_histogram`.
        ax : matplotlib Axes, default=None
            Axes to draw on (polar for ``kind="polar"``); None creates one.
        kind : {'polar', 'bar'}, default='polar'
            Rose diagram or bars against the angle.
        bar_kwargs : dict, default=None
            Keyword arguments passed to ``ax.bar``.
        line_kwargs : dict, default=None
            Keyword arguments for the orientation marker.
        legend : bool, default=True
            Whether to add a legend giving the main orientation.
        **params : dict
            Parameters of :func:`gradient_histogram` (``angle_bins``,
            ``operator``, ``frame``, ``mask``, ...), with its defaults. With
            ``rotation_invariant=True`` (the default) the angles are relative
            to the image's alignment angle, the marker is drawn where the main
            orientation lies on them, and the legend gives it both ways; pass
            ``rotation_invariant=False`` to see the orientations as they are
            in the image. ``invariance='dft_magnitude'`` gives no
            histogram to draw and is refused.

        Returns
        -------
        display : GradientHistogramDisplay
            The display, drawn; its artists are stored as attributes.

        See Also
        --------
        GradientHistogramDisplay.from_histogram : plot a histogram you already have.

        Examples
        --------
        >>> import matplotlib.pyplot as plt
        >>> import numpy as np
        >>> from gradhist_sklearn import GradientHistogramDisplay
        >>> image = np.zeros((16, 16))
        >>> image[8:] = 1.0                 # bright below: gradients point down
        >>> display = GradientHistogramDisplay.from_image(
        ...     image, angle_bins=8, rotation_invariant=False, kind="bar")
        >>> display.main_orientation
        90.0
        >>> plt.close(display.figure_)
        """
        defaults = {
            name: parameter.default
            for name, parameter in inspect.signature(gradient_histogram).parameters.items()
        }
        options = {**defaults, **params}
        if options["rotation_invariant"] and options["invariance"] == "dft_magnitude":
            raise ValueError(
                "invariance='dft_magnitude' gives Fourier magnitudes, not a histogram "
                "over angles; plot with another invariance or rotation_invariant=False."
            )
        result = gradient_histogram(image, **params)
        return cls.from_histogram(
            result.histogram,
            main_orientation=result.main_orientation,
            orientation_strength=result.orientation_strength,
            unidirectional=options["unidirectional"],
            rotation_invariant=options["rotation_invariant"],
            ax=ax,
            kind=kind,
            bar_kwargs=bar_kwargs,
            line_kwargs=line_kwargs,
            legend=legend,
        )
