"""numpy images to Qt pixmaps (one place that knows QImage's formats)."""

import numpy as np
from PySide6.QtGui import QImage, QPixmap


def pixmap_from_array(array):
    """A QPixmap from a (H, W) gray or (H, W, 3) RGB uint8 array."""
    array = np.ascontiguousarray(array)
    if array.ndim == 2:
        image = QImage(array.data, array.shape[1], array.shape[0], array.strides[0],
                       QImage.Format.Format_Grayscale8)
    else:
        image = QImage(array.data, array.shape[1], array.shape[0], array.strides[0],
                       QImage.Format.Format_RGB888)
    return QPixmap.fromImage(image.copy())
