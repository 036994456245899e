"""Which packages the distribution carries (everything else is in pyproject.toml).

Found, not listed: every package under ``app``, ``compute``, ``ui`` and ``softmax_lab``. The product's
layout keeps ``resources/`` at the top of the tree; its run-time folders (weights,
icons) travel in the wheel as the package ``app._resources``, where ``app.resources``
finds them with ``importlib.resources`` in every kind of install (MANIFEST.in keeps
the README's screenshots out).
"""

from setuptools import find_namespace_packages, find_packages, setup

CODE = find_packages(include=["app", "app.*", "compute", "compute.*", "ui", "ui.*",
                              "softmax_lab", "softmax_lab.*"])
SHIPPED = ["app._resources"] + [f"app._resources.{folder}"
                                for folder in find_namespace_packages(where="resources")
                                if folder.split(".")[0] != "screenshots"]

setup(
    packages=CODE + SHIPPED,
    package_dir={"app._resources": "resources"},
    package_data={name: ["*"] for name in SHIPPED[1:]},
)
