"""The commands that do not train: ``evaluate``, ``predict``, ``bench``, ``download``,
``cache``, ``gui``, ``self-test`` and ``install-desktop``."""

import sys

from .common import EXIT_BAD_INPUT, as_json, progress


def _evaluate(args):
    from compute.storage import data, params
    from compute.engine import metrics
    from compute.engine.inputs import Inputs

    test = data.load_test(args.data, args.test)
    model, attributes = params.load(args.params)
    inputs = Inputs.recorded(attributes)  # what the model reads: the pixels, or a transform of them
    if not inputs.pixels:
        metrics.check_inputs(inputs, test, args.params)
        test = inputs.dataset(test)
    params.check_features(args.params, model, test.n_features)
    metrics.check_fits(model, test, args.params)
    result = metrics.evaluate(model, test, confusion=True)
    if args.json:
        print(as_json({"loss": result.loss, "accuracy": result.accuracy,
                          "samples": result.samples, "confusion": result.confusion.tolist()}))
        return 0
    print(f"{test.name}: {result.samples:,} samples, loss {result.loss:.4f}, "
          f"accuracy {result.accuracy:.4f}")
    K = model.n_classes
    width = max(5, len(str(int(result.confusion.max()))) + 1)
    print("confusion (rows: true class, columns: predicted)")
    print("     " + "".join(f"{k:>{width}}" for k in range(K)))
    for k in range(K):
        print(f"{k:>4} " + "".join(f"{n:>{width}}" for n in result.confusion[k]))
    return 0


def _cold_start(args):
    """Wall time of a first start (empty numba and data caches) and of a second, in new processes."""
    import os
    import subprocess
    import tempfile
    import time

    from app.resources import program
    from compute.errors import DataError

    command = [*program(), "train", "--preset", "seed-minibatch100", "--quiet"]
    if args.data:
        command += ["--data", args.data]
    with tempfile.TemporaryDirectory(prefix="softmax-lab-cold-") as empty:
        env = {**os.environ, "NUMBA_CACHE_DIR": os.path.join(empty, "numba"),
               "SOFTMAX_LAB_CACHE": os.path.join(empty, "rows")}
        seconds = {}
        for name in ("first_start_seconds", "second_start_seconds"):
            started = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True, env=env)
            seconds[name] = time.perf_counter() - started
            if done.returncode:
                raise DataError(done.stderr.strip().splitlines()[-1].removeprefix("softmax-lab: error: "))
    if args.json:
        print(as_json(seconds))
    else:
        print(f"train --preset seed-minibatch100, process start to exit: first start (empty kernel "
              f"and data caches) {seconds['first_start_seconds']:.1f} s, second start "
              f"{seconds['second_start_seconds']:.1f} s")
    return 0


def _bench(args):
    from compute.studies import benchmark
    from compute.storage import data

    if args.cold:
        return _cold_start(args)
    pair = data.load(args.data)
    report = benchmark.run(pair, repeats=args.repeats, progress=sys.stderr)
    report["sklearn"] = _against_sklearn(args)
    if args.json:
        print(as_json(report))
        return 0
    print(benchmark.format_report(report))
    if report["sklearn"] is not None:
        from softmax_lab.benchmark import format_rows

        print(format_rows(report["sklearn"]))
    return 0


def _against_sklearn(args):
    """``SoftmaxRegression`` against scikit-learn's classifiers, or None (left out)."""
    if args.no_sklearn:
        return None
    import importlib.util

    if importlib.util.find_spec("sklearn") is None:
        print("softmax-lab: scikit-learn is not installed: the comparison with its classifiers "
              "is left out (pip install 'softmax-lab[sklearn]')", file=sys.stderr)
        return None
    from softmax_lab.benchmark import against_sklearn

    return against_sklearn(args.data, repeats=args.repeats, progress=sys.stderr)


def _predict(args):
    from app.resources import BUNDLED_BEST
    from compute.storage import params
    from compute.engine import preprocess
    from compute.storage.classes import numbered_classes
    from compute.errors import DataError

    from compute.engine.inputs import Inputs

    source = args.params or BUNDLED_BEST
    model, attributes = params.load(source)
    names = params.recorded_class_names(attributes, model.n_classes) or numbered_classes(model.n_classes)
    inputs = Inputs.recorded(attributes)
    pixels = preprocess.SIDE * preprocess.SIDE
    if model.n_features != inputs.n_features(pixels):
        raise DataError(f"{source}: has {model.n_features} features per class; image prediction "
                        f"needs a {preprocess.SIDE}x{preprocess.SIDE} model ({inputs.n_features(pixels)} "
                        f"values of {inputs.describe()})")
    results, status = [], 0
    for path in args.images:
        try:
            _, probabilities = preprocess.classify(model, preprocess.read_image(path), inputs)
        except DataError as error:
            print(f"softmax-lab: error: {error}", file=sys.stderr)
            status = EXIT_BAD_INPUT
            continue
        if probabilities is None:
            results.append({"file": path, "digit": None, "class": None, "probabilities": None})
            continue
        best = int(probabilities.argmax())
        results.append({"file": path, "digit": best, "class": names[best],
                        "probabilities": [round(float(p), 6) for p in probabilities]})
    if args.json:
        print(as_json(results))
    for result in results if not args.json else ():
        if result["digit"] is None:
            print(f"{result['file']}: no digit found (the image is blank)")
        else:
            chance = result["probabilities"][result["digit"]]
            print(f"{result['file']}: {result['class']} ({chance:.1%})")
    return status


def _download(args):

    from compute.storage import datasets, download

    source = datasets.SOURCES[args.dataset]
    bar = progress(False, total=source.total_bytes, unit="B", unit_divisor=1024, desc=source.title)

    def show(progress):
        bar.update(progress.done - bar.n)

    try:
        folder, fetched = download.download(args.to, args.mirror, progress=show, timeout=args.timeout,
                                            source=source)
    finally:
        bar.close()
    if fetched:
        print(f"{source.title} downloaded, verified and converted in {folder}")
    else:
        print(f"{source.title} is already in {folder}; nothing to download")
    return 0


def _cache(args):
    from compute.storage import cache

    if args.action == "clear":
        removed, size = cache.clear()
        print(f"removed {removed} converted data file(s), {size / 1e6:.1f} MB, from {cache.folder()}")
        return 0
    entries = cache.entries()
    size = sum(entry.stat().st_size for entry in entries)
    print(f"{cache.folder()}: {len(entries)} converted data file(s), {size / 1e6:.1f} MB")
    return 0


def _gui(args):
    from app.gui import run

    history = False if getattr(args, "no_history", False) else getattr(args, "history", None)
    return run(getattr(args, "data", None), preset=getattr(args, "preset", None),
               start=getattr(args, "start", False), quit_after=getattr(args, "quit_after", None),
               history=history, qt_arguments=args.qt_arguments)


def _self_test(args):
    from app import selftest

    return selftest.run(args.data, show=args.show)


def _install_desktop(args):
    from app import desktop
    from compute.storage.files import FileWriteError

    try:
        if args.remove:
            removed = desktop.remove()
            print("removed " + ", ".join(map(str, removed)) if removed else "nothing to remove")
        else:
            for path in desktop.install():
                print(f"wrote {path}")
    except OSError as error:
        if isinstance(error, FileWriteError):
            raise
        raise FileWriteError(f"{error.filename or desktop.data_home()}: cannot write there "
                             f"({error.strerror}); set XDG_DATA_HOME to a folder you can write") from None
    return 0


COMMANDS = {"evaluate": _evaluate, "predict": _predict, "bench": _bench, "download": _download,
            "cache": _cache, "gui": _gui, "self-test": _self_test, "install-desktop": _install_desktop,
            None: _gui}
