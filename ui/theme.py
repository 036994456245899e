"""Light, dark or the system's look, for the widgets and the plots alike.

:func:`apply` sets the application's palette (View > Theme); every plot follows the
palette it is given: its background is the palette's base, its
axes and labels its text, its grid a blend of the two. So a dark desktop palette gives
dark plots too, with no choice made (:class:`ThemedPlot`).
"""

import pyqtgraph as pg
from PySide6.QtCore import QEvent
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from .plot_settle import settle_before_paint
from .plot_axes import SteadyAxis

THEMES = ("system", "light", "dark")
_system = {}  # the style and palette the application started with


def dark_palette():
    """A dark palette (Fusion's colours, as dark desktop themes have them)."""
    palette = QPalette()
    role = QPalette.ColorRole
    for name, colour in ((role.Window, "#2d2d2d"), (role.WindowText, "#e6e6e6"), (role.Base, "#1e1e1e"),
                         (role.AlternateBase, "#2d2d2d"), (role.ToolTipBase, "#3a3a3a"),
                         (role.ToolTipText, "#f0f0f0"), (role.Text, "#e6e6e6"), (role.Button, "#353535"),
                         (role.ButtonText, "#e6e6e6"), (role.BrightText, "#ff6b6b"), (role.Link, "#6cb4ff"),
                         (role.Highlight, "#2f6fb3"), (role.HighlightedText, "#ffffff"),
                         (role.PlaceholderText, "#8a8a8a"), (role.Mid, "#4a4a4a"), (role.Midlight, "#3d3d3d"),
                         (role.Dark, "#1a1a1a"), (role.Shadow, "#111111"), (role.Light, "#505050")):
        palette.setColor(name, QColor(colour))
    for name in (role.WindowText, role.Text, role.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, name, QColor("#7a7a7a"))
    return palette


def apply(choice, app=None):
    """Give the application the look ``choice`` ("system", "light" or "dark")."""
    app = app or QApplication.instance()
    # Styles by name: Qt makes and owns them (a style made here was Python's to delete,
    # under the application's feet).
    if choice == "system":
        if _system:  # a theme was chosen before: back to what the application started with
            app.setStyle(_system["style"])
            app.setPalette(_system.pop("palette"))
            _system.clear()
        return
    if not _system:
        _system.update(style=app.style().name(), palette=QPalette(app.palette()))
    app.setStyle("Fusion")
    app.setPalette(dark_palette() if choice == "dark" else app.style().standardPalette())


def visible_colour(colour, palette):
    """``colour``, or the palette's text colour where ``colour`` would vanish into the
    background (the Okabe-Ito palette's black on a dark theme)."""
    colour = QColor(colour)
    background = palette.color(QPalette.ColorRole.Base)
    if abs(colour.lightness() - background.lightness()) < 40:
        return palette.color(QPalette.ColorRole.Text)
    return colour


def plot_colours(palette):
    """(background, foreground, major grid, minor grid) of a plot on ``palette``."""
    background = palette.color(QPalette.ColorRole.Base)
    foreground = palette.color(QPalette.ColorRole.Text)

    def blend(share):
        return QColor.fromRgbF(*(background.getRgbF()[i] * (1 - share) + foreground.getRgbF()[i] * share
                                 for i in range(3)))

    return background, foreground, blend(0.18), blend(0.08)


def style_plot(plot, palette):
    """Colour a pyqtgraph PlotWidget, its axes, labels and grid (a ``TickGrid`` with
    ``set_colours``), from ``palette``."""
    background, foreground, major, minor = plot_colours(palette)
    plot.setBackground(background)
    item = plot.getPlotItem()
    for name in ("left", "bottom", "right", "top"):
        axis = item.getAxis(name)
        axis.setPen(pg.mkPen(foreground))
        axis.setTextPen(pg.mkPen(foreground))
        if axis.label is not None:
            axis.label.setDefaultTextColor(foreground)
        axis.picture = None  # (cached axes are drawn again)
        axis.update()
    for child in item.vb.addedItems:
        if hasattr(child, "set_colours"):
            child.set_colours(major, minor)


class ThemedPlot(pg.PlotWidget):
    """A pyqtgraph PlotWidget that follows its palette: styled from it at once and at each
    change (a theme chosen, the desktop's changed); ``on_palette`` holds callbacks that
    restyle what its owner drew. (A virtual override, not an event filter: a filter was
    called on plots half torn down, after their window closed, and crashed the process.)"""

    def __init__(self, *args, axisItems=None, **kwargs):
        axes = dict(axisItems or {})  # (the axes given are shown)
        for side in ("left", "bottom"):
            if side not in axes:
                axes[side] = SteadyAxis(side)
        super().__init__(*args, axisItems=axes, **kwargs)
        self.on_palette = []
        style_plot(self, self.palette())
        settle_before_paint(self)

    on_palette = None  # (None until made: Qt sends palette changes while it is being built)

    def changeEvent(self, event):
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and self.on_palette is not None:
            style_plot(self, self.palette())
            for then in self.on_palette:
                then(self.palette())
