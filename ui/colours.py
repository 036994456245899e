"""The colours of a sweep's members: pyqtgraph's "plasma" colour map without its pale
end, which vanishes on white (first member dark blue, last orange)."""

import pyqtgraph as pg

#: How far along the map the last member sits.
RAMP_END = 0.78
#: The ramp in 256 steps, read rather than mapped for each member: a sweep's 32 colours
#: cost 1-1.5 ms of the click that starts it through the colour map's own lookup.
_RAMP = [f"#{r:02x}{g:02x}{b:02x}" for r, g, b in
         pg.colormap.get("plasma").getLookupTable(0.0, RAMP_END, 256, alpha=False).tolist()]


def ramp_colour(t):
    """The colour at ``t`` in [0, 1] along the ramp, as "#rrggbb"."""
    return _RAMP[round(min(max(float(t), 0.0), 1.0) * (len(_RAMP) - 1))]
