"""The engine's errors about files, without the engine: anyone may catch them without
importing numba (the command line does, before it knows whether it will compute)."""


class DataError(ValueError):
    """A data file is missing or malformed; the message is one line for the user.

    Messages say what is wrong, with the file's name; how to fix it in a command or a
    window is for the command line and the GUI to say.
    """


class NoDataFound(DataError):
    """None of the default folders holds a data set (``folders``: where we looked;
    ``variable``: the environment variable that names a data folder)."""

    def __init__(self, folders, variable):
        self.folders = list(folders)
        self.variable = variable
        super().__init__(f"no data found in {' or '.join(str(f) for f in self.folders)}")


class DownloadError(DataError):
    """A download failed; the message is one line naming the file and every reason.

    ``by_hand`` says where to get the files with a browser instead ("" when not known).
    """

    def __init__(self, message, by_hand=""):
        super().__init__(message)
        self.by_hand = by_hand


class DownloadCancelled(DownloadError):
    """The user cancelled; nothing was changed."""
