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

#: Angles (degrees, on the drawn circle) where the radial labels may go:
#: halfway between the angle labels, which matplotlib puts every 45 degrees.
_RADIAL_LABEL_ANGLES = 22.5 + 45.0 * np.arange(8)

#: Half the angle (degrees) about a radial label whose bars it must clear.
_RADIAL_LABEL_HALF_SPAN = 30.0

#: The outer ring lies at least this far above the tallest bar (a fraction
#: of it), so that its label, placed at the outer ring, touches no bar.
_HEADROOM = 0.12

#: Figure size (inches) of one panel drawn on a new figure.
_PANEL_SIZE = (5.0, 5.0)


def _import_pyplot(caller):
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - exercised without matplotlib
        raise ImportError(
            f"{caller} needs matplotlib, which is not installed. Install it with "
            "`pip install matplotlib`."
        ) from exc
    return plt


def _as_histogram(values, name):
    values = np.asarray(values, dtype=float)
    if values.ndim != 1 or values.size == 0:
        raise ValueError(
            f"{name} must be a non-empty 1-D array of bin values, got shape {values.shape}."
        )
    if not np.isfinite(values).all():
        raise ValueError(f"{name} must hold finite values (no NaN or infinity).")
    return values


class GradientHistogramDisplay:
    """Gradient-orientation histogram visualisation.

    Draws a histogram as a rose (polar) diagram or as bars, marks the
    image's main orientation, and gives its value and strength in a legend
    below the plot. Create it with :meth:`from_image` or
    :meth:`from_histogram` rather than directly; both draw at once. The
    constructor only checks and stores the values, and :meth:`plot` draws
    them. All drawn artists are kept as attributes, in the manner of
    scikit-learn's ``*Display`` classes.

    Angles follow the package's image coordinates: 0 degrees points right and
    90 degrees points down (``y`` grows downward). The polar plot therefore
    runs clockwise on screen, so a bar points the way the gradients point in
    the picture. A rose's radial scale is labelled at one or two rings only,
    where no bar reaches, and the legend sits below the axes, outside them
    (a new figure uses matplotlib's constrained layout to make room for it;
    on your own figure, use ``layout="constrained"`` or save with
    ``bbox_inches="tight"``).

    An aligned histogram (``rotation_invariant=True``) has its angles
    relative to the image's alignment angle, so no angle on it says where
    anything lies in the image. Given the same image's histogram in image
    coordinates (``image_histogram``, which :meth:`from_image` computes), the
    display draws two panels: that histogram with the main orientation
    marked, and the aligned histogram beside it. Without it, the aligned
    histogram is drawn alone and the legend gives the main orientation in
    words, with no marker.

    Parameters
    ----------
    histogram : array-like of shape (n_bins,)
        Magnitude per orientation bin, as returned by
        :func:`gradient_histogram`. Bin ``i`` is centred on ``i * width``
        degrees, with ``width = 360 / n_bins`` (``180 / n_bins`` when
        ``unidirectional``).
    main_orientation : float or None, default=None
        Main orientation in degrees, in image coordinates, as reported by
        :func:`gradient_histogram`. None computes it as the circular centre
        of mass of ``image_histogram`` when given, else of ``histogram``
        (for an aligned histogram that is an angle relative to the
        alignment angle, not the image's: pass the reported value).
    orientation_strength : float or None, default=None
        How well the main orientation is defined, in ``[0, 1]``, as reported
        by :func:`gradient_histogram`. None computes it from the same
        histogram as ``main_orientation`` (its mean resultant length). Shown
        in the legend: near 0, the main orientation is decided by small
        differences and means little.
    unidirectional : bool, default=False
        Whether the histogram covers 180 degrees (opposite directions folded
        together) rather than 360.
    rotation_invariant : bool, default=False
        Whether ``histogram`` has been aligned (``rotation_invariant=True``
        in :func:`gradient_histogram`): its bin angles are then relative to
        the image's alignment angle.
    image_histogram : array-like of shape (n_bins,) or None, default=None
        For an aligned ``histogram``, the same image's histogram in image
        coordinates (:func:`gradient_histogram` with
        ``rotation_invariant=False`` and otherwise the same parameters),
        drawn beside it with the main orientation marked. Only with
        ``rotation_invariant=True``.

    Attributes
    ----------
    bin_centres_ : ndarray of shape (n_bins,)
        Angle of each bin's centre, in degrees (relative to the alignment
        angle for an aligned histogram).
    ax_ : matplotlib Axes
        Axes ``histogram`` is drawn on (a polar Axes for ``kind="polar"``).
    figure_ : matplotlib Figure
        Figure holding ``ax_``.
    bars_ : matplotlib BarContainer
        One bar per bin of ``histogram``, in bin order; the bar heights are
        the histogram.
    mirror_bars_ : matplotlib BarContainer or None
        For a unidirectional histogram drawn with ``kind="polar"``, the same
        bars turned by 180 degrees (each bin stands for an axis, both ways);
        None otherwise.
    image_ax_ : matplotlib Axes or None
        Axes of the histogram in image coordinates, where the main
        orientation is marked: ``ax_`` itself for a histogram that is not
        aligned, the panel beside ``ax_`` for an aligned one drawn with
        ``image_histogram``, None for an aligned one drawn alone.
    image_bars_ : matplotlib BarContainer or None
        The bars on ``image_ax_`` (``bars_`` when it is ``ax_``).
    orientation_line_ : matplotlib Line2D or None
        The main-orientation marker on ``image_ax_``: a radius (a diameter
        when unidirectional) on a polar plot, a vertical line on a bar plot.
        Its label, the legend's entry, starts with the angle it is drawn at.
        None when there is no ``image_ax_``.
    orientation_angle_ : float or None
        Angle in degrees at which the marker is drawn: the main orientation
        (on a bar plot, wrapped into the drawn range ``[-width / 2, period -
        width / 2)``). None when no marker is drawn.
    legend_ : matplotlib Legend or None
        The legend giving the main orientation and its strength, below
        ``image_ax_`` (below ``ax_`` when there is no ``image_ax_``); None
        with ``legend=False``.

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

    With the default ``rotation_invariant=True``, the aligned histogram (the
    features) is drawn beside the one in image coordinates:

    >>> display = GradientHistogramDisplay.from_image(data.camera(), angle_bins=36)
    >>> display.image_ax_ is display.ax_
    False
    >>> round(display.orientation_angle_, 1)
    307.9
    >>> plt.close(display.figure_)
    """

    def __init__(
        self, histogram, *, main_orientation=None, orientation_strength=None,
        unidirectional=False, rotation_invariant=False, image_histogram=None
    ):
        self.histogram = _as_histogram(histogram, "histogram")
        self.unidirectional = bool(unidirectional)
        self.rotation_invariant = bool(rotation_invariant)
        if image_histogram is not None:
            if not self.rotation_invariant:
                raise ValueError(
                    "image_histogram is the image-coordinates histogram drawn beside an "
                    "aligned one; with rotation_invariant=False, histogram is already in "
                    "image coordinates: leave image_histogram out."
                )
            image_histogram = _as_histogram(image_histogram, "image_histogram")
            if image_histogram.shape != self.histogram.shape:
                raise ValueError(
                    f"image_histogram must have as many bins as histogram "
                    f"({self.histogram.size}), got {image_histogram.size}."
                )
        self.image_histogram = image_histogram
        source = self.histogram if image_histogram is None else image_histogram
        if main_orientation is None:
            main_orientation = float(centre_of_mass_turns(source[np.newaxis])[0] * self._period)
        elif not np.isfinite(main_orientation):
            raise ValueError(f"main_orientation must be finite, got {main_orientation!r}.")
        self.main_orientation = float(main_orientation)
        if orientation_strength is None:
            orientation_strength = float(orientation_strengths(source[np.newaxis])[0])
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

    def _panels(self):
        """The histograms to draw, by role, left to right: ``'image'`` (in
        image coordinates, where the marker goes) and ``'aligned'``."""
        if not self.rotation_invariant:
            return [("image", self.histogram)]
        if self.image_histogram is None:
            return [("aligned", self.histogram)]
        return [("image", self.image_histogram), ("aligned", self.histogram)]

    def plot(self, ax=None, *, kind="polar", bar_kwargs=None, line_kwargs=None, legend=True):
        """Draw the histogram and mark the image's main orientation.

        Parameters
        ----------
        ax : matplotlib Axes, sequence of two Axes, or None, default=None
            Axes to draw on. For ``kind="polar"`` they must be polar Axes
            (``plt.subplots(subplot_kw={"projection": "polar"})``). None
            creates a new figure with one panel, or two side by side for an
            aligned histogram with ``image_histogram``. For those two, pass
            two Axes (image coordinates first) to draw both, or one to draw
            the aligned histogram alone.
        kind : {'polar', 'bar'}, default='polar'
            ``'polar'`` draws a rose diagram, one wedge per bin; ``'bar'``
            draws bars against the angle in degrees.
        bar_kwargs : dict, default=None
            Keyword arguments passed to ``ax.bar``.
        line_kwargs : dict, default=None
            Keyword arguments passed to ``ax.plot`` (polar) or ``ax.axvline``
            (bar) for the orientation marker.
        legend : bool, default=True
            Whether to add a legend giving the main orientation, below the
            axes.

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
        panels = self._panels()
        axes = self._axes_for(kind, ax, len(panels))
        panels = panels[-len(axes):]  # one Axes given for two panels: the aligned one
        self.bin_centres_ = np.arange(self.histogram.size) * self._bin_width
        bar_kwargs, line_kwargs = self._styles(bar_kwargs, line_kwargs)
        top = max(float(np.max([values.max() for _, values in panels])), 0.0)
        self.image_ax_ = self.image_bars_ = None
        self.orientation_line_ = self.orientation_angle_ = None
        for (role, values), panel_ax in zip(panels, axes, strict=False):
            bars, mirror = self._draw_panel(panel_ax, kind, role, values, top, bar_kwargs)
            if role == "image":
                self.image_ax_, self.image_bars_ = panel_ax, bars
                self._draw_marker(panel_ax, kind, values, line_kwargs)
            if values is self.histogram:
                self.ax_, self.bars_, self.mirror_bars_ = panel_ax, bars, mirror
        legend_ax = self.ax_ if self.image_ax_ is None else self.image_ax_
        self.legend_ = self._add_legend(legend_ax, line_kwargs) if legend else None
        self.figure_ = self.ax_.figure
        return self

    def _axes_for(self, kind, ax, n_panels):
        """The Axes to draw on, one per panel drawn: ``ax`` (one or a
        sequence), or new ones when None; refuse the wrong kind or number."""
        plt = _import_pyplot("GradientHistogramDisplay.plot")
        if ax is None:
            subplot_kw = {"projection": "polar"} if kind == "polar" else None
            figsize = (_PANEL_SIZE[0] * n_panels, _PANEL_SIZE[1])
            _, axes = plt.subplots(1, n_panels, subplot_kw=subplot_kw, figsize=figsize,
                                   layout="constrained", squeeze=False)
            axes = list(axes[0])
        else:
            axes = list(np.ravel(ax)) if isinstance(ax, (list, tuple, np.ndarray)) else [ax]
        if not 1 <= len(axes) <= n_panels:
            raise ValueError(
                f"ax must be one Axes{' or two' if n_panels == 2 else ''}, got {len(axes)}."
            )
        for each in axes:
            is_polar = getattr(each, "name", None) == "polar"
            if kind == "polar" and not is_polar:
                raise ValueError(
                    "kind='polar' needs a polar Axes: create it with "
                    "plt.subplots(subplot_kw={'projection': 'polar'}), or use kind='bar'."
                )
            if kind == "bar" and is_polar:
                raise ValueError("kind='bar' needs an ordinary (not polar) Axes.")
        return axes

    def _styles(self, bar_kwargs, line_kwargs):
        """The user's bar and marker keyword arguments over the defaults."""
        bar_kwargs = {"edgecolor": "white", "linewidth": 0.5, **(bar_kwargs or {})}
        line_kwargs = {"color": "tab:red", "linewidth": 2.0, **(line_kwargs or {})}
        line_kwargs.setdefault("label", self._orientation_label())
        return bar_kwargs, line_kwargs

    def _draw_panel(self, ax, kind, role, values, top, bar_kwargs):
        """One histogram's bars, its scale and the caption saying which
        angles it uses; returns the bars and the mirror bars (or None)."""
        if kind == "polar":
            bars, mirror = self._polar_bars(ax, values, bar_kwargs)
            _radial_scale(ax, self._drawn_heights(values), top)
            if self.rotation_invariant:
                ax.set_xlabel("aligned: angles relative to the alignment angle"
                              if role == "aligned" else "angles in the image")
            return bars, mirror
        bars = self._bar_bars(ax, values, bar_kwargs)
        ax.set_xlabel("angle relative to the alignment angle (degrees)" if role == "aligned"
                      else "gradient orientation (degrees)")
        ax.set_ylabel("magnitude")
        return bars, None

    def _polar_bars(self, ax, values, bar_kwargs):
        """Rose diagram: one wedge per bin (and a pale mirror when unidirectional)."""
        width = np.radians(self._bin_width)
        ax.set_theta_zero_location("E")
        ax.set_theta_direction(-1)  # y grows downward: 90 degrees points down
        theta = np.radians(self.bin_centres_)
        bars = ax.bar(theta, values, width=width, **bar_kwargs)
        mirror = None
        if self.unidirectional:
            mirror_kwargs = {**bar_kwargs, "alpha": 0.35}
            mirror_kwargs.pop("label", None)
            mirror = ax.bar(theta + np.pi, values, width=width, **mirror_kwargs)
        return bars, mirror

    def _drawn_heights(self, values):
        """``(angles, heights)`` of every wedge drawn, mirror included, in
        degrees on the full circle."""
        angles = self.bin_centres_
        if self.unidirectional:
            return np.concatenate([angles, angles + 180.0]), np.concatenate([values, values])
        return angles, values

    def _bar_bars(self, ax, values, bar_kwargs):
        """Bars against the angle in degrees, every one whole: bin 0 spans
        ``[-width/2, width/2)``, so the axis shows ``[-width/2, period -
        width/2)``."""
        width = self._bin_width
        bars = ax.bar(self.bin_centres_, values, width=width, **bar_kwargs)
        ax.set_xlim(-width / 2, self._period - width / 2)
        step = 90 if not self.unidirectional else 45
        ax.set_xticks(np.arange(0, self._period, step))
        return bars

    def _draw_marker(self, ax, kind, values, line_kwargs):
        """The main orientation on the image-coordinates panel: a radius (a
        diameter when unidirectional) up to the tallest bar on a rose, a
        vertical line wrapped into the drawn range on bars."""
        marker = self.main_orientation
        if kind == "bar":
            high = self._period - self._bin_width / 2
            position = marker - self._period if marker >= high else marker
            self.orientation_line_ = ax.axvline(position, **line_kwargs)
            self.orientation_angle_ = float(position)
            return
        top = max(float(values.max()), np.finfo(float).tiny)
        angle = np.radians(marker)
        if self.unidirectional:
            thetas = [angle + np.pi, angle + np.pi, angle, angle]
            radii = [top, 0.0, 0.0, top]
        else:
            thetas, radii = [angle, angle], [0.0, top]
        (self.orientation_line_,) = ax.plot(thetas, radii, **line_kwargs)
        self.orientation_angle_ = float(marker)

    def _add_legend(self, ax, line_kwargs):
        """The legend, below the axes and their labels, covering nothing.

        It hangs from the axes' bottom edge, lowered by the height of what
        matplotlib draws there: the angle labels of a rose, or the tick
        labels and the axis label of a bar plot (sizes in points, so the
        gap holds at any figure size).
        """
        from matplotlib.lines import Line2D
        from matplotlib.transforms import ScaledTranslation

        handles = [self.orientation_line_]
        if self.orientation_line_ is None:  # aligned alone: the words, no marker
            handles = [Line2D([], [], linestyle="none", label=line_kwargs["label"])]
        anchor = ax.transAxes + ScaledTranslation(
            0.0, -_below_axes_points(ax) / 72.0, ax.figure.dpi_scale_trans)
        return ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0),
                         bbox_transform=anchor, fontsize="small", frameon=False,
                         handlelength=1.5 if self.orientation_line_ is not None else 0.0)

    def _orientation_label(self):
        """The legend's entry: the main orientation (the marker's angle) first."""
        strength = f"strength {self.orientation_strength:.2f}"
        if self.rotation_invariant and self.image_histogram is None:
            return f"main orientation {self.main_orientation:.1f}° in the image ({strength})"
        return f"main orientation {self.main_orientation:.1f}° ({strength})"

    @classmethod
    def from_histogram(
        cls,
        histogram,
        *,
        main_orientation=None,
        orientation_strength=None,
        unidirectional=False,
        rotation_invariant=False,
        image_histogram=None,
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
            orientation columns).
        main_orientation : float or None, default=None
            Main orientation in degrees, in image coordinates. None computes
            it as the circular centre of mass of ``image_histogram`` when
            given, else of ``histogram``.
        orientation_strength : float or None, default=None
            Strength of the main orientation, in ``[0, 1]``. None computes it
            from the same histogram (its mean resultant length).
        unidirectional : bool, default=False
            Whether the histogram covers 180 degrees rather than 360.
        rotation_invariant : bool, default=False
            Whether the histogram was aligned (its bin angles relative to the
            image's alignment angle).
        image_histogram : array-like of shape (n_bins,) or None, default=None
            For an aligned histogram, the same image's histogram in image
            coordinates, drawn beside it with the main orientation marked.
            Without it an aligned histogram is drawn alone, with the main
            orientation in the legend and no marker.
        ax : matplotlib Axes, sequence of two Axes, or None, default=None
            Axes to draw on (polar for ``kind="polar"``); None creates them.
            See :meth:`plot`.
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
            image_histogram=image_histogram,
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
        ax : matplotlib Axes, sequence of two Axes, or None, default=None
            Axes to draw on (polar for ``kind="polar"``); None creates them:
            two panels with ``rotation_invariant=True``, one otherwise. See
            :meth:`plot`.
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
            ``rotation_invariant=True`` (the default) the image's histogram
            in image coordinates is computed too and drawn on the left, with
            the main orientation marked; the aligned histogram, the one
            :func:`gradient_histogram` returns, is drawn on the right, its
            angles relative to the image's alignment angle. Pass
            ``rotation_invariant=False`` for the left panel alone.
            ``invariance='dft_magnitude'`` gives no histogram to draw and is
            refused, as are ``layout='rings'`` and ``'grid'`` and several
            scales of ``sigma`` (several histograms end to end: draw one
            block with :meth:`from_histogram`).

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
        options = _drawable_options(params)
        result = gradient_histogram(image, **params)
        image_histogram = None
        if options["rotation_invariant"]:
            image_histogram = gradient_histogram(
                image, **{**params, "rotation_invariant": False}).histogram
        return cls.from_histogram(
            result.histogram,
            main_orientation=result.main_orientation,
            orientation_strength=result.orientation_strength,
            unidirectional=options["unidirectional"],
            rotation_invariant=options["rotation_invariant"],
            image_histogram=image_histogram,
            ax=ax,
            kind=kind,
            bar_kwargs=bar_kwargs,
            line_kwargs=line_kwargs,
            legend=legend,
        )


def _drawable_options(params):
    """:func:`gradient_histogram`'s parameters with its defaults, refused when
    they give something other than one histogram over angles."""
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
    if options["layout"] != "global":
        raise ValueError(
            f"layout={options['layout']!r} gives one histogram per ring or cell, end to "
            f"end; from_image draws one. Use layout='global', or draw one block of "
            f"gradient_histogram(...).histogram with from_histogram."
        )
    if np.ndim(options["sigma"]) > 0 and np.size(options["sigma"]) > 1:
        raise ValueError(
            "several scales of sigma give one histogram per scale, end to end; "
            "from_image draws one. Pass a single sigma."
        )
    return options


def _ring_limit(top):
    """The outer ring of a radial scale whose tallest bar is ``top``, and all
    the rings: evenly spaced round values (matplotlib's choice of at most
    six steps), the outer one the first at least ``_HEADROOM`` above
    ``top``."""
    from matplotlib.ticker import MaxNLocator

    if top <= 0.0:  # nothing drawn: a unit scale
        return 1.0, np.array([0.5, 1.0])
    high = top * (1 + _HEADROOM)
    ticks = MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]).tick_values(0.0, high)
    limit = float(ticks[ticks >= high][0])
    return limit, ticks[(ticks > 0) & (ticks <= limit)]


def _radial_scale(ax, drawn, top):
    """A rose's radial scale: a few rings, labelled only where no bar reaches.

    The labels go on the ray, halfway between two angle labels, whose bars
    within ``_RADIAL_LABEL_HALF_SPAN`` degrees are the shortest. The outer
    ring is always labelled (it clears every bar by ``_HEADROOM``); one
    ring about halfway is labelled too when the bars near the ray stay
    below it. The others are drawn unlabelled.
    """
    limit, rings = _ring_limit(top)
    angles, heights = drawn
    ray, reach = _emptiest_ray(angles, heights)
    ax.set_ylim(0.0, limit)
    ax.set_rlabel_position(ray)
    labels = [""] * len(rings)
    labels[-1] = _ring_text(rings[-1])
    inner = [i for i, ring in enumerate(rings[:-1])
             if 0.4 * limit <= ring <= 0.75 * limit and ring >= reach + 0.1 * limit]
    if inner:
        labels[inner[0]] = _ring_text(rings[inner[0]])
    ax.set_yticks(rings, labels)
    ax.tick_params(axis="y", labelsize="small", labelcolor="0.3")


def _emptiest_ray(angles, heights):
    """Of the candidate angles, the one whose nearby bars are shortest, and
    the height they reach."""
    reaches = []
    for ray in _RADIAL_LABEL_ANGLES:
        gap = np.abs((angles - ray + 180.0) % 360.0 - 180.0)
        near = heights[gap <= _RADIAL_LABEL_HALF_SPAN]
        reaches.append(float(near.max()) if near.size else 0.0)
    best = int(np.argmin(reaches))
    return float(_RADIAL_LABEL_ANGLES[best]), reaches[best]


def _ring_text(value):
    return f"{value:g}"


def _below_axes_points(ax):
    """Height in points of what matplotlib draws under an Axes: a rose's
    angle labels, or a bar plot's tick labels and axis label."""
    tick = ax.xaxis.get_major_ticks()[0]
    height = tick.get_pad() + 1.3 * tick.label1.get_fontsize()
    if ax.get_xlabel():
        height += ax.xaxis.labelpad + 1.3 * ax.xaxis.label.get_fontsize()
    return height + 4.0
