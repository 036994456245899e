"""The data sets that can be downloaded: where each is fetched from, and the SHA-256 of
each of its files (MNIST and Fashion-MNIST)."""

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    """A data set that can be downloaded.

    Attributes
    ----------
    name : str
        What ``--dataset`` calls it, and the name of its folder.
    title : str
        What the interface calls it.
    mirrors : tuple of str
        Base URLs, tried in order.
    files : dict
        IDX name -> (SHA-256 of the uncompressed file, usual gzip size in bytes).
    class_names : tuple of str
        Written to the folder's ``classes.txt`` (empty: the classes are their numbers).
    """

    name: str
    title: str
    mirrors: tuple
    files: dict
    class_names: tuple = ()

    @property
    def total_bytes(self):
        return sum(size for _, size in self.files.values())

    def label(self):
        """The title and download size, as menus and help show it: "MNIST (11 MB)"."""
        return f"{self.title} ({self.total_bytes // 10**6} MB)"


#: Where torchvision and TensorFlow fetch the same files, tried in order.
MNIST = Source("mnist", "MNIST", (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
), {
    "train-images-idx3-ubyte": ("ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db", 9912422),
    "train-labels-idx1-ubyte": ("65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5", 28881),
    "t10k-images-idx3-ubyte": ("0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7", 1648877),
    "t10k-labels-idx1-ubyte": ("ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2", 4542),
})
#: Zalando's Fashion-MNIST: where TensorFlow and torchvision fetch it.
FASHION_MNIST = Source("fashion-mnist", "Fashion-MNIST", (
    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
), {
    "train-images-idx3-ubyte": ("c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888", 26421880),
    "train-labels-idx1-ubyte": ("bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9", 29515),
    "t10k-images-idx3-ubyte": ("5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b", 4422102),
    "t10k-labels-idx1-ubyte": ("0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34", 5148),
}, ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
    "Ankle boot"))
SOURCES = {source.name: source for source in (MNIST, FASHION_MNIST)}

MIRROR_ENV = "SOFTMAX_LAB_MIRROR"
#: Uncompressed sizes (the same for both data sets): a gzip of a file is never much
#: larger, so a transfer stops there whatever a server sends.
RAW_SIZES = {
    "train-images-idx3-ubyte": 47_040_016,
    "train-labels-idx1-ubyte": 60_008,
    "t10k-images-idx3-ubyte": 7_840_016,
    "t10k-labels-idx1-ubyte": 10_008,
}
def by_hand(source=MNIST):
    """Where to get the files without this program (for a failed download's message)."""
    names = ", ".join(f"{name}.gz" for name in source.files)
    also = f" (or {source.mirrors[1]})" if len(source.mirrors) > 1 else ""
    return f"Get {names} from {source.mirrors[0]}{also} with a browser into one folder"


def mirrors(override=None, source=MNIST):
    """The base URLs to try: ``override`` or ``$SOFTMAX_LAB_MIRROR`` alone, else the defaults."""
    chosen = override or os.environ.get(MIRROR_ENV)
    if chosen:
        return (chosen if chosen.endswith("/") else chosen + "/",)
    return source.mirrors
