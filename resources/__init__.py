"""Files shipped with Softmax Lab. Installed as the package ``app._resources`` (see
setup.py) so that ``app.resources`` finds them with ``importlib.resources``."""
