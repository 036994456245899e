"""``softmax-lab bench``'s row for the Python API: ``SoftmaxRegression().fit`` (the "best"
preset) against the classifiers a student would otherwise call, scikit-learn's
``LogisticRegression`` (lbfgs) and ``SGDClassifier(loss="log_loss")``, each with its
defaults, on the same arrays, side by side in one run, with the test accuracy each
reaches."""

import statistics
import time
import warnings

import numpy as np

from .core import load_dataset

#: The goal: at least this many times faster than LogisticRegression, at equal or better
#: test accuracy.
GOAL = 20.0


def _timed(make, X, y, X_test, y_test, repeats):
    """(median seconds of ``make().fit(X, y)``, test accuracy, converged) over ``repeats``."""
    from sklearn.exceptions import ConvergenceWarning

    seconds, converged = [], True
    for _ in range(repeats):
        model = make()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            started = time.perf_counter()
            model.fit(X, y)
            seconds.append(time.perf_counter() - started)
        converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    return statistics.median(seconds), float(model.score(X_test, y_test)), converged


def against_sklearn(folder=None, repeats=3, rows=None, progress=None):
    """Time the fits; ``rows`` limits the training set (the tests' quick version).

    Ours is timed twice: on the arrays :func:`softmax_lab.load_dataset` gives (the rows
    the engine read from the files, nothing to convert) and on a fresh copy of them (a
    program's own array, converted first). The goal is judged on the fresh copy.
    """
    from sklearn.linear_model import LogisticRegression, SGDClassifier

    from .estimator import SoftmaxRegression

    def say(text):
        if progress is not None:
            print(text, file=progress, flush=True)

    X, y, X_test, y_test = load_dataset(folder)
    if rows is not None:
        X, y = X[:rows], y[:rows]
    fresh = np.array(X)
    SoftmaxRegression(history=False).fit(X[:500], y[:500])  # compiled before the clock
    ours = lambda: SoftmaxRegression(history=False)  # noqa: E731
    contenders = {
        "softmax_regression": (ours, X, repeats),
        "softmax_regression_fresh_array": (ours, fresh, repeats),
        # Theirs after ours: BLAS threads keep spinning after a call and would steal a core.
        "logistic_regression": (LogisticRegression, X, min(repeats, 3)),
        "sgd_classifier": (lambda: SGDClassifier(loss="log_loss", random_state=0), X, min(repeats, 3)),
    }
    report = {}
    for name, (make, data, runs) in contenders.items():
        seconds, accuracy, converged = _timed(make, data, y, X_test, y_test, runs)
        report[name] = {"seconds": seconds, "test_accuracy": accuracy, "converged": converged}
        say(f"{name.replace('_', ' ')}: {seconds:.2f} s, test accuracy {accuracy:.4f}")
    ours, theirs = report["softmax_regression_fresh_array"], report["logistic_regression"]
    report["speedup_vs_logistic_regression"] = theirs["seconds"] / ours["seconds"]
    report["speedup_vs_sgd_classifier"] = report["sgd_classifier"]["seconds"] / ours["seconds"]
    report["goal"] = f">= {GOAL:g}x faster than LogisticRegression at equal or better test accuracy"
    report["met"] = bool(report["speedup_vs_logistic_regression"] >= GOAL
                         and ours["test_accuracy"] >= theirs["test_accuracy"])
    report["train_samples"], report["repeats"] = int(X.shape[0]), repeats
    return report


def format_rows(report):
    """The comparison as lines of text, under ``bench``'s table."""
    labels = {"softmax_regression": "SoftmaxRegression().fit, load_dataset's arrays",
              "softmax_regression_fresh_array": "SoftmaxRegression().fit, a fresh array",
              "logistic_regression": "sklearn LogisticRegression().fit (lbfgs)",
              "sgd_classifier": 'sklearn SGDClassifier(loss="log_loss").fit'}
    lines = [f"From Python, fit on {report['train_samples']:,} samples "
             f"(median of {report['repeats']}; theirs at most 3):"]
    for key, label in labels.items():
        row = report[key]
        note = "" if row["converged"] else " (stopped at max_iter, not converged)"
        lines.append(f"  {label:50}{row['seconds']:8.2f} s   test accuracy {row['test_accuracy']:.4f}{note}")
    state = "met" if report["met"] else "not met on this run"
    lines.append(f"  {report['speedup_vs_logistic_regression']:.0f}x faster than LogisticRegression, "
                 f"{report['speedup_vs_sgd_classifier']:.0f}x than SGDClassifier "
                 f"(goal {report['goal']}: {state})")
    return "\n".join(lines)
