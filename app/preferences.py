"""The studio's preferences (window geometry, the form's settings, recent folders), kept
as one JSON file in the user config folder (``~/.config/softmax-lab/settings.json``).

A file the user owns, read as a stranger's and written as SQLite writes:

* read only when it is a regular file of at most :data:`MAX_BYTES` (a FIFO, a device or
  a huge file there is passed over with one line, never opened); what does not parse is
  moved aside once (``settings.json.bad``) and the studio starts with its defaults; the
  window checks each value's type as it reads it;
* written under a file lock, merged with what another studio wrote meanwhile, to a
  temporary file beside it that is fsynced and renamed over it; never through a
  symbolic link (a link is left as it is and the preferences are not saved);
* a file written by a newer Softmax Lab (a higher ``version``) is read but never
  rewritten.

The window uses the small part of ``QSettings``' interface that it needs (``value``,
``setValue``, ``sync``), so tests may hand it a ``QSettings`` instead.
"""

import json
import sys
from pathlib import Path

from filelock import FileLock, Timeout
from platformdirs import user_config_path

from compute.storage.files import FileWriteError, atomic_write

#: The file's schema; a file with a higher version is left unchanged.
VERSION = 1
#: A larger file is not read (the studio's own are a few kilobytes).
MAX_BYTES = 1_000_000


def default_path():
    return user_config_path("softmax-lab", appauthor=False) / "settings.json"


def _say(text):
    print(f"softmax-lab: {text}", file=sys.stderr)


class Preferences:
    """The preferences in ``path`` (default :func:`default_path`)."""

    def __init__(self, path=None):
        self.path = Path(path) if path is not None else default_path()
        self._changed = {}
        self._newer = False
        self._values = self._read()

    def _read(self):
        path = self.path
        if not path.exists():
            return {}
        if not path.is_file():
            _say(f"{path}: is not a regular file; preferences are not read or saved there")
            return {}
        if path.stat().st_size > MAX_BYTES:
            _say(f"{path}: is {path.stat().st_size:,} bytes, more than preferences ever take; "
                 "it is not read")
            return {}
        try:
            document = json.loads(path.read_bytes())
            if not isinstance(document, dict) or not isinstance(document.get("values"), dict):
                raise ValueError("not a Softmax Lab preferences file")
            version = document.get("version")
            if not isinstance(version, int):
                raise ValueError("no version")
        except (OSError, ValueError, RecursionError) as error:
            aside = path.with_name(path.name + ".bad")
            try:
                if path.is_symlink():  # the user's link stays as it is
                    raise OSError
                path.replace(aside)
                _say(f"{path}: cannot be read ({error}); moved aside to {aside.name}, "
                     "starting with the default preferences")
            except OSError:
                _say(f"{path}: cannot be read ({error}); starting with the default preferences")
            return {}
        if version > VERSION:
            self._newer = True
            _say(f"{path}: was written by a newer Softmax Lab (version {version}); it is "
                 "used but not changed")
        return document["values"]

    def value(self, key, default=None):
        return self._changed.get(key, self._values.get(key, default))

    def setValue(self, key, value):  # noqa: N802  (QSettings' name)
        self._changed[key] = value

    def sync(self):
        """Save the changed values (merged with what the file holds now); a failure is
        one line on stderr, never an exception at close."""
        if not self._changed or self._newer:
            return
        path = self.path
        if path.is_symlink():
            _say(f"{path}: is a symbolic link; preferences are not written through it")
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with FileLock(path.with_name(path.name + ".lock"), timeout=5):
                self._values = {**self._read(), **self._changed}
                if self._newer:
                    return
                text = json.dumps({"version": VERSION, "values": self._values}, indent=1)
                with atomic_write(path, "w", encoding="utf-8") as f:
                    f.write(text)
            self._changed = {}
        except (OSError, Timeout, TypeError, ValueError) as error:
            reason = error if isinstance(error, FileWriteError) else f"{path}: {error}"
            _say(f"preferences not saved: {reason}")
