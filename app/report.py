"""A run report: one folder a user can hand in or share.

``index.html`` (open it in a browser) shows the settings, results and cost, and links
``curves.png``, ``weights.png`` and ``confusion.png``; beside it ``points.csv``,
``run.json``, ``confusion.csv`` and ``params.hdf5`` (the course schema). The folder is
written under a temporary name and renamed when complete.
"""

import datetime
import html

from PIL import Image, ImageDraw

from compute.studies import analysis

from compute.engine import metrics

from compute.storage import params
from compute.storage.classes import captions, names_or_numbers
from compute.storage.export import json_text, write_csv, write_points_csv
from compute.storage.files import atomic_folder


CAPTION = 16  # pixel rows under each weight tile for its class


def labelled_weights(model, names=()):
    """The weights mosaic with each tile's class (``names``, else numbers) under it, as a
    PIL image (None when the features are not a square image)."""
    mosaic = analysis.weights_mosaic(model, caption=CAPTION)
    if mosaic is None:
        return None
    image = Image.fromarray(mosaic)
    draw = ImageDraw.Draw(image)
    side = int(round(model.n_features ** 0.5))
    for k, caption in enumerate(captions(names_or_numbers(names, model.n_classes))):
        top, left = analysis.mosaic_tile_origin(k, side, caption=CAPTION)
        draw.text((left + 2, top + side * 4 + 2), caption, fill="black")
    return image


def confusion_image(confusion, cell=40, names=()):
    """The confusion matrix as a picture: counts on green (right) or red (wrong) cells,
    true classes (``names``, else numbers) down the side, predicted classes along the top."""
    K = confusion.shape[0]
    names = names_or_numbers(names, K)
    widest = max(draw_width(name) for name in names)
    cell = max(cell, min(widest + 8, 80))  # room for a name above its column
    colours, light_text = analysis.confusion_colours(confusion)
    margin_x, margin_y = 20 + widest + 8, 50
    image = Image.new("RGB", (margin_x + K * cell, margin_y + K * cell), "white")
    draw = ImageDraw.Draw(image)
    draw.text((margin_x, 2), "predicted class", fill="black")
    draw.text((2, 2), "true class", fill="black")
    for k, name in enumerate(names):
        draw.text((margin_x + k * cell + (cell - draw_width(name)) // 2, margin_y - 16), name,
                  fill="black")
        draw.text((margin_x - 8 - draw_width(name), margin_y + k * cell + cell // 2 - 6), name,
                  fill="black")
    for t in range(K):
        for p in range(K):
            box = (margin_x + p * cell, margin_y + t * cell, margin_x + (p + 1) * cell - 1,
                   margin_y + (t + 1) * cell - 1)
            draw.rectangle(box, fill=tuple(colours[t, p].tolist()), outline=(220, 220, 220))
            draw.text((box[0] + 4, box[1] + cell // 2 - 6), str(int(confusion[t, p])),
                      fill="white" if light_text[t, p] else "black")
    return image


def draw_width(text):
    """Pixels ``text`` takes in PIL's default font."""
    return int(ImageDraw.Draw(Image.new("1", (1, 1))).textlength(text))


def write_report(folder, name, settings, points, model, metadata, test, n_train, curves_png):
    """Write a run's report into ``folder`` (which must not exist yet, or be empty).

    Parameters
    ----------
    name : str
    settings : compute.settings.Settings
    points : list of compute.engine.points.Point
    model : compute.storage.params.Model
    metadata : dict
        What the parameter file records about the run.
    test : compute.storage.data.Dataset
        The confusion matrix is measured on it.
    n_train : int
        Training set size (for the multiply-add count).
    curves_png : bytes
        The curves picture (see :func:`ui.report_images.curves_png`).
    """
    with atomic_folder(folder) as staging:
        evaluation = metrics.evaluate(model, test, confusion=True)
        last = points[-1]
        updates, multiply_adds = analysis.multiply_adds(
            n_train, settings.batch_size, settings.epochs, model.n_features, model.n_classes,
            samples_seen=last.samples_seen)
        summary = {
            "name": name, "created_at": datetime.datetime.now(datetime.timezone.utc).isoformat(),
            "settings": settings.as_dict(), "applying": settings.applying(), "final": last.as_dict(),
            "test": {"samples": evaluation.samples, "loss": evaluation.loss, "accuracy": evaluation.accuracy},
            "cost": {"updates": updates, "multiply_adds": multiply_adds,
                     "multiply_adds_per_update": analysis.multiply_adds_per_update(
                         settings.effective_batch(n_train),
                         model.n_features, model.n_classes)},
        }
        (staging / "run.json").write_text(json_text(summary, indent=2), encoding="utf-8")
        write_points_csv(staging / "points.csv", points)
        (staging / "curves.png").write_bytes(curves_png)
        names = names_or_numbers(metadata.get("class_names") or test.class_names, model.n_classes)
        mosaic = labelled_weights(model, names)
        if mosaic is not None:
            mosaic.save(staging / "weights.png")
        confusion_image(evaluation.confusion, names=names).save(staging / "confusion.png")
        write_csv(staging / "confusion.csv", ["true \\ predicted", *names],
                  ([name, *row.tolist()] for name, row in zip(names, evaluation.confusion)))
        params.save(staging / "params.hdf5", model, metadata)
        (staging / "index.html").write_text(_html(summary, mosaic is not None), encoding="utf-8",
                                               errors="backslashreplace")
    return folder


def _html(summary, has_weights):
    final, cost, test = summary["final"], summary["cost"], summary["test"]
    rows = [("test accuracy", f"{test['accuracy']:.4f}"), ("test loss", f"{test['loss']:.4f}"),
            ("train accuracy", f"{final['train_accuracy']:.4f}"), ("train loss", f"{final['train_loss']:.4f}"),
            ("samples seen", f"{final['samples_seen']:,}"), ("updates", f"{cost['updates']:,}"),
            ("multiply-adds", f"{cost['multiply_adds']:,}"),
            ("multiply-adds per update", f"{cost['multiply_adds_per_update']:,}"),
            ("training seconds", f"{final['train_seconds']:.3f}")]
    rows += [(key.replace("_", " "), str(value)) for key, value in summary["applying"].items()]
    table = "\n".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
    weights = '<h2>Weights</h2><img src="weights.png" alt="weights per class">' if has_weights else ""
    return f"""<!doctype html><meta charset="utf-8"><title>{html.escape(summary['name'])}</title>
<style>body{{font-family:sans-serif;max-width:960px;margin:2em auto}}th{{text-align:left;padding-right:1em}}</style>
<h1>{html.escape(summary['name'])}</h1><p>{html.escape(summary['created_at'])}</p>
<table>{table}</table>
<h2>Curves</h2><img src="curves.png" alt="log-loss and accuracy" width="900">
{weights}
<h2>Confusion on the test set</h2><img src="confusion.png" alt="confusion matrix">
<p>Files: <a href="points.csv">points.csv</a>, <a href="run.json">run.json</a>,
<a href="confusion.csv">confusion.csv</a>, <a href="params.hdf5">params.hdf5</a></p>
"""
