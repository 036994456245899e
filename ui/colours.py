"""The colours of a sweep's members: pyqtgraph's "plasma" colour map without its pale
end, which vanishes on white (first member dark blue, last orange)."""

import pyqtgraph as pg

#: How far along the map the last member sits.
RAMP_END = 0.78
_PLASMA = pg.colormap.get("plasma")


def ramp_colour(t):
    """The colour at ``t`` in [0, 1] along the ramp, as "#rrggbb"."""
    return _PLASMA.map(min(max(float(t), 0.0), 1.0) * RAMP_END, mode="qcolor").name()
