"""Labels whose text may be long (run names, captions): they wrap, and never widen their
window (a long run name in a caption once pushed the window from 1024 to 1474 px)."""

from PySide6.QtWidgets import QLabel, QSizePolicy


def wrapping_label(text="", name=None):
    """A wrapping label that takes the width its layout gives it, and asks for none."""
    label = QLabel(text)
    if name:
        label.setObjectName(name)
    label.setWordWrap(True)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    label.setMinimumWidth(0)
    return label
