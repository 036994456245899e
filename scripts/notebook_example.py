# %% [markdown]
# # Softmax Lab from a notebook
#
# Each `# %%` is a cell (Jupyter, VS Code and Spyder read them as such). Run it as a
# script too: `python scripts/notebook_example.py [DATA_FOLDER]` (default: the app's
# data folder). CI runs it on real MNIST (tests/test_python_api.py).

# %%
import sys

import numpy as np

import softmax_lab
from softmax_lab import SoftmaxRegression  # needs: pip install 'softmax-lab[sklearn]'

folder = sys.argv[1] if len(sys.argv) > 1 else None
X_train, y_train, X_test, y_test = softmax_lab.load_dataset(folder)
print(f"{X_train.shape[0]:,} training and {X_test.shape[0]:,} test images of {X_train.shape[1]} pixels")

# %% [markdown]
# A scikit-learn classifier whose defaults are the studio's "best" preset (Adam, batch
# 200, two epochs with a cosine decay). Each `fit` is recorded in the run history:
# the studio's History tab shows it.

# %%
model = SoftmaxRegression().fit(X_train, y_train)
print(f"SoftmaxRegression: test accuracy {model.score(X_test, y_test):.4f}, "
      f"{model.history_[-1].train_seconds:.2f} s of training, run {model.history_id_} in the history")

# %% [markdown]
# A run as the studio trains it, with a point every 5,000 samples. `on_point` sees each
# point as it is made: in a notebook, append it to a plot.

# %%
def show(point):
    print(f"  {point.samples_seen:>6,} samples: test loss {point.test_loss:.4f}, "
          f"test accuracy {point.test_accuracy:.4f}")


run = softmax_lab.train(folder, "seed-minibatch100", on_point=show)
curves = run.columns()  # e.g. plt.plot(curves["samples_seen"], curves["test_loss"])
print(f"seed-minibatch100: test accuracy {run.test_accuracy:.4f} after {curves['samples_seen'][-1]:,} samples")

# %% [markdown]
# Parameter files in the course's HDF5 schema (`w` (10, 784), `b` (10, 1)): the studio
# opens them (File > Open parameters), `softmax-lab evaluate --params` reads them, and so
# does the course's own code.

# %%
model.save("notebook-model.hdf5")
again = softmax_lab.load("notebook-model.hdf5")
assert np.array_equal(again.predict(X_test), model.predict(X_test))
print(f"notebook-model.hdf5: {again}, test accuracy {again.score(X_test, y_test):.4f}")
