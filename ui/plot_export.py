"""The curve plots drawn into a file: a PNG at any scale, or an SVG, each with the legend
beside the plots as on screen (:class:`ui.curve_plots.CurvePlots` asks for them)."""

from PySide6.QtCore import QBuffer, QIODevice, QRect, QRectF, QSize
from PySide6.QtGui import QImage, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QGraphicsItem

from .curve_legend import WIDTH as LEGEND_WIDTH
from .theme import plot_colours


def _bytes_of(write):
    """What ``write(device)`` writes into an in-memory device, as bytes."""
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    write(buffer)
    return bytes(buffer.data())


def picture(plots, scale=1):
    """PNG bytes of ``plots``' two plots with their legend, ``scale`` times their size on
    screen (drawn again at that size, not enlarged): no controls, crosshair or readout."""
    width, height = _picture_size(plots)
    image = QImage(round(width * scale), round(height * scale), QImage.Format.Format_RGB32)
    image.fill(plot_colours(plots.loss_plot.palette())[0])  # the plots' background
    _paint_plots(plots, image, scale)
    return _bytes_of(lambda device: image.save(device, "PNG"))


def svg(plots):
    """SVG bytes of ``plots`` as :func:`picture` draws them: lines, text and markers as
    vectors, for papers and slides."""
    width, height = _picture_size(plots)
    generator = QSvgGenerator()
    generator.setSize(QSize(width, height))
    generator.setViewBox(QRect(0, 0, width, height))
    generator.setTitle("Softmax Lab: log-loss and accuracy")
    # Markers come from a cache of small pictures, and the axes are cached as pictures
    # too, both blurred in an SVG: drawn as shapes and text here.
    scatters = [marks.item.scatter for marks in plots.marks()]
    axes = [plot.getAxis(side) for plot in (plots.loss_plot, plots.accuracy_plot) for side in ("left", "bottom")]
    for scatter in scatters:
        scatter.opts["useCache"] = False
    for axis in axes:
        axis.setCacheMode(QGraphicsItem.CacheMode.NoCache)

    def write(device):
        generator.setOutputDevice(device)
        _paint_plots(plots, generator, 1)

    try:
        return _bytes_of(write)
    finally:
        for scatter in scatters:
            scatter.opts["useCache"] = True
        for axis in axes:
            axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)


def _picture_size(plots):
    """The plots' size on screen, widened by the legend's columns (all its rows)."""
    height = sum(plot.height() for plot in (plots.loss_plot, plots.accuracy_plot))
    return _plots_width(plots) + plots.legend.columns_for(height) * LEGEND_WIDTH, height


def _plots_width(plots):
    return max(plot.width() for plot in (plots.loss_plot, plots.accuracy_plot))


def _paint_plots(plots, device, scale):
    """Draw both plots, one above the other, onto ``device`` (crosshairs hidden)."""
    plots.flush()
    crosshairs = plots.crosshairs()
    shown = [line.isVisible() for line in crosshairs]
    for line in crosshairs:
        line.setVisible(False)
    painter = QPainter(device)
    painter.scale(scale, scale)
    top = 0
    for plot in (plots.loss_plot, plots.accuracy_plot):
        plot.render(painter, QRectF(0, top, plot.width(), plot.height()), plot.viewport().rect())
        top += plot.height()
    width, height = _picture_size(plots)
    plots.legend.paint(painter, QRectF(_plots_width(plots), 0, width - _plots_width(plots), height))
    painter.end()
    for line, visible in zip(crosshairs, shown):
        line.setVisible(visible)
