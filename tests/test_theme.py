"""Themes: the plots, the hover readout, the legend and the probability chart follow the
palette (they stayed white on a dark one), View > Theme chooses, and the choice is kept."""

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction, QPalette
from PySide6.QtWidgets import QApplication

from on_screen import hover
from test_gui import PRESETS, start, wait_until_done


@pytest.fixture
def themed(studio):
    """The studio; the application's own look given back after (it is process-wide)."""
    yield studio
    from ui import theme

    theme.apply("system")


def lightness(widget, x=None, y=None):
    """How light ``widget`` is drawn at (x, y) (default: near its top-left corner), 0-255."""
    image = widget.grab().toImage()
    return image.pixelColor(x if x is not None else 4, y if y is not None else 4).lightness()


def test_dark_and_light_reach_every_plot_and_are_kept(qtbot, themed, tmp_path):
    studio = themed
    start(qtbot, studio, PRESETS["seed-minibatch100"])
    wait_until_done(qtbot, studio)
    studio.plots.flush()
    system = QApplication.palette().color(QPalette.ColorRole.Base)
    plots = [studio.plots.loss_plot, studio.plots.accuracy_plot, studio.draw.view.bars_plot]

    studio.findChild(QAction, "themeDarkAction").trigger()
    assert studio.findChild(QAction, "themeDarkAction").isChecked()
    assert QApplication.palette().color(QPalette.ColorRole.Base).lightness() < 60
    qtbot.waitUntil(lambda: plots[0].backgroundBrush().color().lightness() < 60, timeout=5000)
    studio.tabs.setCurrentWidget(studio.draw)  # (a plot not on show follows when shown)
    qtbot.waitUntil(lambda: plots[2].backgroundBrush().color().lightness() < 60, timeout=5000)
    studio.tabs.setCurrentWidget(studio.pages)
    for plot in plots:
        assert plot.backgroundBrush().color().lightness() < 60, plot.objectName()
        axis = plot.getPlotItem().getAxis("left")
        assert axis.textPen().color().lightness() > 180  # labels readable on it
    assert lightness(studio.plots.loss_plot, studio.plots.loss_plot.width() // 2, 20) < 60
    legend = studio.plots.legend
    assert legend.palette().color(QPalette.ColorRole.WindowText).lightness() > 180
    hover(studio.plots.loss_plot, 30000, 0.5)
    qtbot.waitUntil(studio.plots.readout.isVisible, timeout=5000)
    assert lightness(studio.plots.readout) < 60  # the readout's box too
    picture = studio.plots.picture()  # an export is drawn as on screen
    from PySide6.QtGui import QImage

    assert QImage.fromData(picture).pixelColor(2, 2).lightness() < 60
    assert studio.store.value("theme") == "dark"

    studio.findChild(QAction, "themeLightAction").trigger()
    qtbot.waitUntil(lambda: plots[0].backgroundBrush().color().lightness() > 200, timeout=5000)
    studio.tabs.setCurrentWidget(studio.draw)
    qtbot.waitUntil(lambda: plots[2].backgroundBrush().color().lightness() > 200, timeout=5000)
    studio.tabs.setCurrentWidget(studio.pages)
    for plot in plots:
        assert plot.backgroundBrush().color().lightness() > 200, plot.objectName()
    studio.findChild(QAction, "themeSystemAction").trigger()
    assert QApplication.palette().color(QPalette.ColorRole.Base) == system
    assert studio.store.value("theme") == "system"


def test_the_sweep_plots_axis_labels_keep_their_curves_colours_on_dark(qtbot, themed):
    """The labels are the sweep plot's key; theming gave them the text's colour (white)."""
    from ui.sweep_panel import ACCURACY_COLOUR, LOSS_COLOUR

    themed.findChild(QAction, "themeDarkAction").trigger()
    themed.sweep_plot.setVisible(True)  # (as a sweep's start shows it; hidden, it follows then)
    qtbot.waitUntil(lambda: themed.sweep_plot.backgroundBrush().color().lightness() < 60, timeout=5000)
    item = themed.sweep_plot.getPlotItem()
    assert item.getAxis("left").labelStyle["color"].lower() == LOSS_COLOUR.lower()
    assert item.getAxis("right").labelStyle["color"].lower() == ACCURACY_COLOUR.lower()


def test_the_theme_comes_back_at_the_next_start(qtbot, themed, tmp_path, mnist_dir):
    from app.gui import build_window

    themed.findChild(QAction, "themeDarkAction").trigger()
    themed.close()
    store = QSettings(str(tmp_path / "kept.ini"), QSettings.Format.IniFormat)
    store.setValue("theme", "dark")
    from ui import theme

    theme.apply("system")
    again = build_window(mnist_dir, store=store, history=False)
    again.show()
    try:
        assert again.findChild(QAction, "themeDarkAction").isChecked()
        assert QApplication.palette().color(QPalette.ColorRole.Base).lightness() < 60
        qtbot.waitUntil(lambda: again.plots.loss_plot.backgroundBrush().color().lightness() < 60,
                        timeout=5000)
    finally:
        again.close()
    store.setValue("theme", ["not", "a", "theme"])  # a damaged value: the system's look
    theme.apply("system")
    again = build_window(mnist_dir, store=store, history=False)
    try:
        assert again.findChild(QAction, "themeSystemAction").isChecked()
    finally:
        again.close()


def test_a_black_run_is_drawn_in_the_texts_colour_on_a_dark_theme():
    from ui.theme import dark_palette, visible_colour

    dark = dark_palette()
    assert visible_colour("#000000", dark).lightness() > 180  # Okabe-Ito's black, on dark
    assert visible_colour("#0072B2", dark).name() == "#0072b2"  # the others as they are
    light = QPalette()
    light.setColor(QPalette.ColorRole.Base, "#ffffff")
    assert visible_colour("#000000", light).name() == "#000000"
