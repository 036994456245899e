"""What a run leaves as it goes: its points (loss and accuracy, as plotted) and
snapshots (parameters with the point measured from them), safe to keep and to read
from any thread."""

from dataclasses import asdict, dataclass

from .inputs import Inputs
from ..settings import Settings
from ..storage.params import Model


@dataclass(frozen=True)
class Point:
    """One progress point of a run, as plotted."""

    samples_seen: int
    updates: int
    epoch: float
    train_loss: float
    train_accuracy: float
    test_loss: float
    test_accuracy: float
    learning_rate: float
    train_seconds: float
    eval_seconds: float

    def as_dict(self):
        return asdict(self)


@dataclass(frozen=True)
class Snapshot:
    """A run as it stood at one yield of :meth:`Training.steps`: safe to keep and to read
    from any thread while training goes on (its arrays are copies, and read-only).

    Attributes
    ----------
    settings : Settings
    model : compute.storage.params.Model
        The parameters at that moment, float64, read-only.
    point : Point or None
        The point evaluated from exactly these parameters, when there is one: a
        snapshot with a point is what a saved file or a report should hold, so that its
        parameters and its recorded metrics belong together.
    samples_seen, updates, total_samples : int
        (``total_samples``: of the whole run.)
    epoch, learning_rate, train_seconds, eval_seconds : float
    train_data : str
        Where the training data came from (a path; "" for arrays in memory).
    class_names : tuple of str
        What the data calls its classes ("0" ... "9" for digits).
    """

    settings: Settings
    model: Model
    point: Point
    samples_seen: int
    updates: int
    epoch: float
    learning_rate: float
    train_seconds: float
    eval_seconds: float
    total_samples: int
    train_data: str = ""
    class_names: tuple = ()
    image_pixels: int = 0  # the values of a sample before the inputs' transform

    def metadata(self):
        """Settings and results, as stored in a parameter file: the point's metrics only
        when this snapshot has one (they then describe exactly these parameters)."""
        settings = self.settings
        meta = {"settings": settings.as_dict(), "optimizer": settings.optimizer,
                "learning_rate": settings.learning_rate,
                "batch_size": "full" if settings.batch_size is None else settings.batch_size,
                "epochs": settings.epochs, "samples_seen": self.samples_seen,
                "updates": self.updates, "train_data": self.train_data,
                "class_names": list(self.class_names), "inputs": Inputs.of(settings).attribute()}
        if self.image_pixels:  # (unknown for a run restored from the history)
            meta["image_pixels"] = self.image_pixels
        if self.point is not None:
            meta.update(test_accuracy=self.point.test_accuracy, test_loss=self.point.test_loss,
                        train_accuracy=self.point.train_accuracy, train_loss=self.point.train_loss)
        return meta
