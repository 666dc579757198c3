"""GradientHistogramDisplay: check what is drawn, with the Agg backend."""

import re
import sys

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from gradhist_sklearn import GradientHistogramDisplay, gradient_histogram  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _step_image():
    """Dark above, bright below: every gradient points down (90 degrees)."""
    image = np.zeros((20, 24))
    image[10:] = 100.0
    return image


def _wedge_image():
    """A bright lower-right triangle: edges in several directions."""
    rows, cols = np.mgrid[:32, :32]
    return np.where(rows + 0.5 * cols > 30, 200.0, 10.0)


@pytest.mark.parametrize("kind", ["polar", "bar"])
@pytest.mark.parametrize("unidirectional", [False, True])
def test_bars_are_the_histogram(kind, unidirectional):
    image = _wedge_image()
    params = dict(angle_bins=24, unidirectional=unidirectional, rotation_invariant=False)
    expected = gradient_histogram(image, **params)
    display = GradientHistogramDisplay.from_image(image, kind=kind, **params)

    n_bins = 12 if unidirectional else 24
    width = 360 / 24
    assert len(display.bars_) == n_bins
    heights = [bar.get_height() for bar in display.bars_]
    np.testing.assert_allclose(heights, expected.histogram)
    assert display.main_orientation == pytest.approx(expected.main_orientation)
    np.testing.assert_allclose(display.bin_centres_, np.arange(n_bins) * width)
    # Bars sit on the bin centres and are one bin wide.
    if kind == "bar":
        centres = [bar.get_x() + bar.get_width() / 2 for bar in display.bars_]
        widths = [bar.get_width() for bar in display.bars_]
        np.testing.assert_allclose(centres, np.arange(n_bins) * width)
        np.testing.assert_allclose(widths, width)
    else:
        centres = [bar.get_x() + bar.get_width() / 2 for bar in display.bars_]
        np.testing.assert_allclose(centres, np.radians(np.arange(n_bins) * width))
        np.testing.assert_allclose([b.get_width() for b in display.bars_], np.radians(width))
    assert display.ax_.figure is display.figure_


def test_polar_axes_runs_clockwise_from_the_right():
    display = GradientHistogramDisplay.from_image(_step_image(), rotation_invariant=False)
    ax = display.ax_
    assert ax.name == "polar"
    assert ax.get_theta_direction() == -1  # 90 degrees drawn downward, as in the image
    assert ax.get_theta_offset() == pytest.approx(0.0)  # 0 degrees points right


def test_orientation_marker_polar():
    display = GradientHistogramDisplay.from_image(
        _step_image(), angle_bins=36, rotation_invariant=False
    )
    assert display.main_orientation == pytest.approx(90.0)
    thetas = display.orientation_line_.get_xdata()
    radii = display.orientation_line_.get_ydata()
    # A radius from the centre to the tallest bar, at 90 degrees.
    np.testing.assert_allclose(thetas, np.radians(90.0))
    assert radii[0] == 0.0
    assert radii[-1] == pytest.approx(max(display.histogram))
    assert display.orientation_angle_ == pytest.approx(90.0)
    labels = [t.get_text() for t in display.ax_.get_legend().get_texts()]
    assert labels == ["main orientation 90.0° (strength 1.00)"]


def test_orientation_marker_bar():
    histogram = np.zeros(36)
    histogram[4] = 2.0  # 40 degrees
    histogram[5] = 2.0  # 50 degrees
    display = GradientHistogramDisplay.from_histogram(histogram, kind="bar")
    # Main orientation computed from the histogram: its centre of mass.
    assert display.main_orientation == pytest.approx(45.0)
    np.testing.assert_allclose(display.orientation_line_.get_xdata(), 45.0)
    assert display.ax_.get_xlim() == pytest.approx((-5.0, 355.0))


def test_bar_marker_wraps_into_bin_zero():
    # 358 degrees lies in bin 0's span [-5, 5): drawn at -2 so it is visible.
    display = GradientHistogramDisplay.from_histogram(
        np.ones(36), main_orientation=358.0, kind="bar"
    )
    np.testing.assert_allclose(display.orientation_line_.get_xdata(), -2.0)
    assert display.main_orientation == 358.0


def test_unidirectional_polar_draws_an_axis():
    image = _step_image().T  # bright on the right: gradients point right, 0 degrees
    display = GradientHistogramDisplay.from_image(
        image, angle_bins=12, unidirectional=True, rotation_invariant=False
    )
    assert len(display.bars_) == 6
    assert len(display.mirror_bars_) == 6
    mirrored = [b.get_x() + b.get_width() / 2 for b in display.mirror_bars_]
    np.testing.assert_allclose(mirrored, np.radians(np.arange(6) * 30.0 + 180.0))
    np.testing.assert_allclose(
        [b.get_height() for b in display.mirror_bars_], display.histogram
    )
    thetas = np.mod(display.orientation_line_.get_xdata(), 2 * np.pi)
    # Both ends of the diameter: 180 and 0 degrees.
    np.testing.assert_allclose(sorted(set(np.round(thetas, 12))), [0.0, np.pi], atol=1e-12)


def drawn_angle(display, kind):
    """The marker's angle read back from the drawn artist, in degrees."""
    xdata = np.asarray(display.orientation_line_.get_xdata(), dtype=float)
    if kind == "polar":
        # A radius [a, a], or a diameter [a + pi, a + pi, a, a]: its last point.
        return float(np.degrees(xdata[-1]))
    assert xdata[0] == xdata[-1]  # a vertical line
    return float(xdata[0])


def labelled_angle(display):
    """The angle the marker's legend entry names first."""
    (text,) = [t.get_text() for t in display.legend_.get_texts()]
    assert text == display.orientation_line_.get_label()
    return float(re.match(r"main orientation (-?[0-9.]+)°", text).group(1))


def circular_gap(a, b, period):
    return abs((a - b + period / 2) % period - period / 2)


def brick_and_stripes():
    """Both polarities on a periodic texture, and a wedge."""
    from skimage import data

    return [data.brick()[::4, ::4], _wedge_image()]


def labelled_text(display):
    (text,) = display.legend_.get_texts()
    return text.get_text()


def heights(bars):
    return np.array([bar.get_height() for bar in bars])


@pytest.mark.parametrize("kind", ["polar", "bar"])
@pytest.mark.parametrize("rotation_invariant", [False, True])
@pytest.mark.parametrize("unidirectional", [False, True])
@pytest.mark.parametrize("invariance", ["dominant_harmonic", "centre_of_mass", "peak"])
def test_marker_is_the_main_orientation_in_the_image(kind, rotation_invariant,
                                                      unidirectional, invariance):
    period = 180.0 if unidirectional else 360.0
    for image in brick_and_stripes():
        params = dict(angle_bins=36, unidirectional=unidirectional,
                      rotation_invariant=rotation_invariant, invariance=invariance)
        result = gradient_histogram(image, **params)
        plain = gradient_histogram(image, **{**params, "rotation_invariant": False})
        display = GradientHistogramDisplay.from_image(image, kind=kind, **params)
        drawn = drawn_angle(display, kind)
        assert circular_gap(drawn, labelled_angle(display), period) <= 0.05  # label: 0.1 deg
        # Where the image's gradients point, whatever the alignment: the
        # main orientation gradient_histogram reports, on the image panel,
        # which holds the histogram in image coordinates.
        assert circular_gap(drawn, result.main_orientation, period) < 1e-9
        assert display.orientation_line_.axes is display.image_ax_
        np.testing.assert_array_equal(heights(display.image_bars_), plain.histogram)
        # The features, aligned or not, are the bars of ax_.
        np.testing.assert_array_equal(heights(display.bars_), result.histogram)
        assert (display.image_ax_ is display.ax_) == (not rotation_invariant)
        if rotation_invariant:
            assert "relative to the alignment angle" in display.ax_.get_xlabel()
            assert display.ax_.figure is display.image_ax_.figure
        assert f"strength {result.orientation_strength:.2f}" in labelled_text(display)
        plt.close(display.figure_)


def test_default_marker_on_coins_is_the_reported_main_orientation():
    # README's call: rotation_invariant=True by default.
    from skimage import data

    coins = data.coins()
    result = gradient_histogram(coins)
    display = GradientHistogramDisplay.from_image(coins)
    assert display.orientation_angle_ == result.main_orientation
    np.testing.assert_allclose(display.orientation_line_.get_xdata(),
                               np.radians(result.main_orientation))
    np.testing.assert_array_equal(heights(display.bars_), result.histogram)


def test_aligned_histogram_alone_names_the_orientation_without_a_marker():
    aligned = gradient_histogram(_wedge_image())
    display = GradientHistogramDisplay.from_histogram(
        aligned.histogram, main_orientation=aligned.main_orientation,
        orientation_strength=aligned.orientation_strength, rotation_invariant=True)
    assert display.orientation_line_ is None
    assert display.orientation_angle_ is None
    assert display.image_ax_ is None and display.image_bars_ is None
    assert not display.ax_.lines  # nothing drawn at an angle that means nothing here
    assert labelled_text(display) == (
        f"main orientation {aligned.main_orientation:.1f}° in the image "
        f"(strength {aligned.orientation_strength:.2f})")


def test_aligned_histogram_on_given_axes():
    params = dict(angle_bins=24)
    image = _wedge_image()
    fig, axes = plt.subplots(1, 2, subplot_kw={"projection": "polar"})
    display = GradientHistogramDisplay.from_image(image, ax=axes, **params)
    assert display.image_ax_ is axes[0] and display.ax_ is axes[1]
    # One Axes for the two panels: the aligned histogram, the features, alone.
    _, ax = plt.subplots(subplot_kw={"projection": "polar"})
    alone = GradientHistogramDisplay.from_image(image, ax=ax, **params)
    assert alone.ax_ is ax and alone.image_ax_ is None
    np.testing.assert_array_equal(heights(alone.bars_), heights(display.bars_))
    _, three = plt.subplots(1, 3, subplot_kw={"projection": "polar"})
    with pytest.raises(ValueError, match="one Axes or two, got 3"):
        GradientHistogramDisplay.from_image(image, ax=three, **params)
    with pytest.raises(ValueError, match="one Axes, got 2"):
        GradientHistogramDisplay.from_image(image, ax=axes, rotation_invariant=False)


def _coins():
    from skimage import data

    return data.coins()


def _camera():
    from skimage import data

    return data.camera()


def readme_coins():
    return GradientHistogramDisplay.from_image(_coins())


def getting_started_coins():
    display = GradientHistogramDisplay.from_image(_coins(), rotation_invariant=False)
    display.ax_.set_title("coins: gradient orientations")
    return display


def camera_unidirectional():
    return GradientHistogramDisplay.from_image(_camera(), unidirectional=True,
                                               rotation_invariant=False)


def step_peak():
    # One tall wedge: the labels can sit anywhere else.
    return GradientHistogramDisplay.from_image(_step_image(), rotation_invariant=False)


def coins_bars():
    return GradientHistogramDisplay.from_image(_coins(), kind="bar")


def _shown(texts):
    return [t for t in texts if t.get_visible() and t.get_text()]


def _extents(texts, renderer):
    return [t.get_window_extent(renderer) for t in _shown(texts)]


def _bar_paths(display):
    containers = [display.bars_, display.mirror_bars_, display.image_bars_]
    return [bar.get_transform().transform_path(bar.get_path())
            for bars in containers if bars is not None for bar in bars]


def _assert_apart(boxes, what):
    for i, first in enumerate(boxes):
        for second in boxes[i + 1:]:
            assert not first.overlaps(second), f"{what}: {first} overlaps {second}"


FIGURES = [readme_coins, getting_started_coins, camera_unidirectional, step_peak, coins_bars]


@pytest.mark.parametrize("figure", FIGURES, ids=lambda f: f.__name__)
def test_labels_and_legend_cover_nothing(figure):
    display = figure()
    fig = display.figure_
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    axes = [ax for ax in (display.image_ax_, display.ax_) if ax is not None]
    radial, angular, other = [], [], []
    for ax in dict.fromkeys(axes):  # each panel once
        if ax.name == "polar":
            radial += _extents(ax.get_yticklabels(), renderer)
        else:
            other += _extents(ax.get_yticklabels() + [ax.yaxis.label], renderer)
        angular += _extents(ax.get_xticklabels(), renderer)
        other += _extents([ax.xaxis.label, ax.title], renderer)
    legend = display.legend_.get_window_extent(renderer)
    # Every piece of text apart from every other, and the legend from all.
    _assert_apart(radial + angular + other + [legend], "text")
    # The legend lies outside every panel, inside the figure.
    for ax in axes:
        assert not legend.overlaps(ax.get_window_extent(renderer))
    assert fig.bbox.x0 <= legend.x0 and legend.x1 <= fig.bbox.x1
    assert fig.bbox.y0 <= legend.y0 and legend.y1 <= fig.bbox.y1
    # Radial labels: few, and on no bar.
    polar = {ax for ax in axes if ax.name == "polar"}
    assert len(polar) <= len(radial) <= 2 * len(polar)
    for box in radial:
        for path in _bar_paths(display):
            assert not path.intersects_bbox(box, filled=True), f"radial label {box} on a bar"


@pytest.mark.parametrize("figure", FIGURES[:4], ids=lambda f: f.__name__)
def test_radial_scale_is_labelled_at_its_rings(figure):
    display = figure()
    for ax in dict.fromkeys([display.image_ax_, display.ax_]):
        ticks, labels = ax.get_yticks(), ax.get_yticklabels()
        shown = [(tick, label.get_text()) for tick, label in zip(ticks, labels, strict=False)
                 if label.get_text()]
        for tick, text in shown:
            assert float(text) == pytest.approx(tick)
        # The outer ring, the axis' limit, is labelled; it clears every bar.
        assert shown[-1][0] == pytest.approx(ax.get_ylim()[1])
        tallest = max(bar.get_height() for bar in ax.patches if bar.get_visible())
        assert ax.get_ylim()[1] >= 1.12 * tallest
        # Evenly spaced rings.
        np.testing.assert_allclose(np.diff(ticks), ticks[0])
        # Labels halfway between two angle labels (every 45 degrees).
        assert ax.get_rlabel_position() % 45 == pytest.approx(22.5)


def test_strength_is_shown_and_checked():
    stripe = np.zeros((24, 24))
    stripe[:, 10:14] = 100.0  # two opposite edges: no main orientation
    display = GradientHistogramDisplay.from_image(stripe, rotation_invariant=False)
    assert display.orientation_strength < 0.01
    assert "(strength 0.00)" in labelled_text(display)
    computed = GradientHistogramDisplay([0.0, 3.0, 1.0, 0.0])  # strength from the bars
    assert computed.orientation_strength == pytest.approx(np.hypot(3.0, 1.0) / 4.0)
    with pytest.raises(ValueError, match="orientation_strength"):
        GradientHistogramDisplay([1.0, 2.0], orientation_strength=1.5)


def test_draws_on_given_axes_and_keeps_kwargs():
    fig, axes = plt.subplots(1, 2, subplot_kw={"projection": "polar"})
    display = GradientHistogramDisplay.from_image(
        _wedge_image(), ax=axes[1], bar_kwargs={"color": "black"}, legend=False
    )
    assert display.ax_ is axes[1]
    assert display.figure_ is fig
    assert len(axes[0].patches) == 0
    assert display.ax_.get_legend() is None
    assert matplotlib.colors.same_color(display.bars_[0].get_facecolor(), "black")


def test_plot_twice_on_new_axes():
    display = GradientHistogramDisplay([1.0, 2.0, 3.0, 4.0])
    first = display.plot(kind="bar").ax_
    second = display.plot(kind="polar").ax_
    assert first is not second
    assert second.name == "polar"
    assert len(second.patches) == 4


def test_redraw_as_other_kind_resets_kind_specific_artists():
    # A unidirectional display drawn as a rose, then as bars: the bar plot has
    # no mirror, shows the half circle whole, and the rose was scaled to the
    # tallest bin.
    display = GradientHistogramDisplay([1.0, 3.0, 0.0, 2.0], unidirectional=True)
    polar = display.plot(kind="polar").ax_
    assert len(display.mirror_bars_) == 4
    assert 3.0 * 1.12 <= polar.get_ylim()[1] <= 3.0 * 1.5
    display.plot(kind="bar", legend=False)
    assert display.mirror_bars_ is None
    assert display.ax_.get_xlim() == pytest.approx((-22.5, 157.5))
    np.testing.assert_allclose(display.ax_.get_xticks(), [0.0, 45.0, 90.0, 135.0])
    assert display.ax_.get_legend() is None
    assert display.legend_ is None


def test_errors():
    with pytest.raises(ValueError, match="kind must be"):
        GradientHistogramDisplay([1.0, 2.0]).plot(kind="pie")
    _, ax = plt.subplots()
    with pytest.raises(ValueError, match="polar Axes"):
        GradientHistogramDisplay([1.0, 2.0]).plot(ax=ax, kind="polar")
    _, polar = plt.subplots(subplot_kw={"projection": "polar"})
    with pytest.raises(ValueError, match="not polar"):
        GradientHistogramDisplay([1.0, 2.0]).plot(ax=polar, kind="bar")
    with pytest.raises(ValueError, match="1-D"):
        GradientHistogramDisplay(np.ones((2, 2)))
    with pytest.raises(ValueError, match="finite"):
        GradientHistogramDisplay([1.0, np.nan])
    with pytest.raises(ValueError, match="finite"):
        GradientHistogramDisplay([1.0, 2.0], main_orientation=np.inf)
    with pytest.raises(ValueError, match="already in image coordinates"):
        GradientHistogramDisplay([1.0, 2.0], image_histogram=[2.0, 1.0])
    with pytest.raises(ValueError, match="as many bins as histogram"):
        GradientHistogramDisplay([1.0, 2.0], rotation_invariant=True, image_histogram=[1.0])
    with pytest.raises(ValueError, match="layout='grid'"):
        GradientHistogramDisplay.from_image(_wedge_image(), layout="grid")
    with pytest.raises(ValueError, match="several scales"):
        GradientHistogramDisplay.from_image(_wedge_image(), sigma=[1.0, 2.0])
    with pytest.raises(ValueError, match="dft_magnitude"):
        GradientHistogramDisplay.from_image(_wedge_image(), invariance="dft_magnitude")


def test_main_orientation_computed_from_the_image_histogram():
    # Given the image's own histogram, the orientation is its centre of mass,
    # the one gradient_histogram reports, not the aligned histogram's.
    image = _wedge_image()
    aligned = gradient_histogram(image, angle_bins=24)
    plain = gradient_histogram(image, angle_bins=24, rotation_invariant=False)
    display = GradientHistogramDisplay(aligned.histogram, rotation_invariant=True,
                                       image_histogram=plain.histogram)
    assert display.main_orientation == pytest.approx(aligned.main_orientation, abs=1e-9)
    assert display.orientation_strength == pytest.approx(aligned.orientation_strength)


def test_all_zero_histogram_draws():
    display = GradientHistogramDisplay.from_image(np.full((8, 8), 7.0))
    assert display.main_orientation == 0.0
    assert all(b.get_height() == 0 for b in display.bars_)
    display.figure_.canvas.draw()  # renders without error


def test_import_does_not_load_matplotlib():
    import subprocess
    import sys

    code = "import sys, gradhist_sklearn; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_without_matplotlib_the_error_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)  # import fails
    with pytest.raises(ImportError, match=r"GradientHistogramDisplay\.plot needs matplotlib, "
                                          r"which is not installed\. Install it with "
                                          r"`pip install matplotlib`\.$"):
        GradientHistogramDisplay.from_image(np.full((8, 8), 7.0))
