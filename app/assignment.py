"""The course assignment's report folder: ``softmax-lab assignment --out DIR``.

``index.html`` (one file, pictures embedded, readable offline) gives the derivation of the
gradient and its numeric check, the curves of the four experiments, the results, the cost
of each method and how our numbers relate to the course's. Beside it: ``results.json``,
``curves.png``, and per experiment its parameters (course schema) and its points as CSV.
Written under a temporary name and renamed when complete.
"""

import base64
import datetime
import html

from compute.studies import assignment

from compute.storage import params
from compute.storage.export import json_text, write_points_csv
from compute.storage.files import atomic_folder
from compute.engine.runs import PALETTE
from compute.settings import COURSE_EXPERIMENTS

#: Curve colours of the experiments, in COURSE_EXPERIMENTS order (the studio's run colours).
COLOURS = PALETTE[:len(COURSE_EXPERIMENTS)]

DESCRIPTIONS = {
    "seed-bgd": "full-batch gradient descent, learning rate 0.5, 100 iterations",
    "seed-sgd1": "SGD with batch size 1, learning rate 0.01, one pass in file order",
    "seed-minibatch100": "mini-batch SGD, batch 100, learning rate 0.5, one shuffled pass",
    "seed-report": "what the course's first script ran: batch 128, learning rate 0.005, 100 epochs",
}


def write(folder, pair, experiments, check, curves_png, target=assignment.TARGET):
    """Write the report folder (which must not exist yet); return what results.json holds.

    Parameters
    ----------
    pair : compute.storage.data.DataPair
    experiments : list of compute.studies.assignment.Experiment
    check : compute.studies.assignment.GradientCheck
    curves_png : bytes
        The four experiments' curves (see :func:`ui.report_images.comparison_png`).
    """
    n_train = pair.train.n_samples
    results = [e.result(n_train, target) for e in experiments]
    with atomic_folder(folder) as staging:
        (staging / "results.json").write_text(json_text(results, indent=1), encoding="utf-8")
        (staging / "curves.png").write_bytes(curves_png)
        for experiment in experiments:
            evaluated = experiment.run.evaluated
            params.save(staging / f"{experiment.name}.hdf5", evaluated.model, evaluated.metadata())
            write_points_csv(staging / f"{experiment.name}.csv", experiment.points)
        (staging / "index.html").write_text(_html(pair, results, check, curves_png, target),
                                               encoding="utf-8", errors="backslashreplace")
    return results


def _number(value, digits=4):
    return "—" if value is None else f"{value:.{digits}f}"


def _count(value):
    return "—" if value is None else f"{value:,}"


def _table(header, rows):
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _html(pair, results, check, curves_png, target):
    d, K, N = pair.n_features, pair.n_classes, pair.train.n_samples
    density = pair.train.rows.indptr[-1] / (N * d)
    by_name = {r["experiment"]: r for r in results}
    picture = base64.b64encode(curves_png).decode("ascii")
    result_rows = [[f"<b>{html.escape(r['experiment'])}</b><br><small>{html.escape(DESCRIPTIONS.get(r['experiment'], ''))}</small>",
                    _number(r["train_loss"]), _number(r["train_accuracy"]), _number(r["test_loss"]),
                    _number(r["test_accuracy"]), _number(r["test_accuracy_without_bias"]),
                    _number(r["test_accuracy_float64_training"])] for r in results]
    cost_rows = []
    for r in results:
        B = r["settings"]["batch_size"] or N
        cost_rows.append([html.escape(r["experiment"]), f"{B:,}", _count(r["updates"]),
                          _count(r["multiply_adds_per_update"]), f"{r['multiply_adds_total']:.3g}",
                          _number(r["train_seconds"], 3),
                          _count(round(r["samples_per_second"])) if r["samples_per_second"] else "—",
                          _count(r["samples_to_target"]), _number(r["seconds_to_target"], 3),
                          "—" if r["multiply_adds_to_target"] is None else f"{r['multiply_adds_to_target']:.3g}"])
    report = by_name.get("seed-report")
    bias_paragraph = ""
    if report is not None:
        bias_paragraph = f"""<p><b>The bias at test time.</b> The course's first script computed the test
logits as <code>X_test @ W.T</code>, leaving out <code>b</code>, and reported {assignment.COURSE_TEST_ACCURACY:.4f}
test accuracy. Scored that way, our <code>seed-report</code> parameters give
{report['test_accuracy_without_bias']:.4f} (log-loss {report['test_loss_without_bias']:.4f}); with the bias,
as the model is defined and as every figure here is measured, {report['test_accuracy']:.4f}
(log-loss {report['test_loss']:.4f}). The column "without b" in the results gives the same
for every experiment.</p>"""
    float_rows = ", ".join(f"{html.escape(r['experiment'])} {r['test_accuracy']:.4f} vs {r['test_accuracy_float64_training']:.4f}"
                           for r in results if r["test_accuracy_float64_training"] is not None)
    per_update = "2·B·d·K + 2·B·K + (d+1)·K"
    float_text = (f"Each experiment was trained again with float64 parameters; test accuracy, float32 vs "
                  f"float64 training: {float_rows}." if float_rows else
                  "(The float64 comparison is made by <code>softmax-lab assignment</code>, which trains each "
                  "experiment a second time in float64.)")
    return f"""<!doctype html><html lang="en"><meta charset="utf-8">
<title>Softmax regression on MNIST: the course assignment</title>
<style>
body{{font-family:sans-serif;max-width:1000px;margin:2em auto;line-height:1.45;padding:0 1em}}
table{{border-collapse:collapse;margin:1em 0}} td,th{{border:1px solid #ccc;padding:.3em .6em;text-align:right}}
td:first-child,th:first-child{{text-align:left}} code,.f{{font-family:monospace;background:#f4f4f4;padding:0 .2em}}
.f{{display:block;padding:.4em .8em;margin:.4em 0}} small{{color:#555}}
</style>
<h1>Softmax regression on MNIST: the course assignment</h1>
<p>{html.escape(pair.describe())}; generated by <code>softmax-lab assignment</code> on
{datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}.</p>

<h2>1. The gradient</h2>
<p>A linear model gives each class <i>k</i> a score (logit) from the pixels <i>x</i> ∈ [0, 1]<sup>d</sup>
(d = {d}), and softmax turns the K = {K} scores into probabilities:</p>
<span class="f">z<sub>k</sub> = w<sub>k</sub>·x + b<sub>k</sub>,  p<sub>k</sub> = exp(z<sub>k</sub>) / Σ<sub>j</sub> exp(z<sub>j</sub>)</span>
<p>With the label as a one-hot vector <i>y</i>, the log-loss of one sample is</p>
<span class="f">L = −Σ<sub>k</sub> y<sub>k</sub> log p<sub>k</sub> = −z<sub>c</sub> + log Σ<sub>j</sub> exp(z<sub>j</sub>)   (c: the true class)</span>
<p>Its derivative with respect to a logit: ∂ log Σ<sub>j</sub> exp(z<sub>j</sub>) / ∂z<sub>k</sub> = p<sub>k</sub>,
and ∂z<sub>c</sub>/∂z<sub>k</sub> = y<sub>k</sub>, so</p>
<span class="f">∂L/∂z<sub>k</sub> = p<sub>k</sub> − y<sub>k</sub></span>
<p>Since z<sub>k</sub> depends on w<sub>k</sub> through w<sub>k</sub>·x and on b<sub>k</sub> with slope 1, the chain rule gives</p>
<span class="f">∂L/∂w<sub>k</sub> = (p<sub>k</sub> − y<sub>k</sub>) x,   ∂L/∂b<sub>k</sub> = p<sub>k</sub> − y<sub>k</sub></span>
<p>Over a batch of B samples the loss is the mean, so the gradient is the mean of the
samples' gradients; with P and Y the B×K matrices of probabilities and labels and X the B×d pixels:</p>
<span class="f">∇<sub>W</sub> = (1/B) (P − Y)<sup>T</sup> X,   ∇<sub>b</sub> = (1/B) Σ<sub>i</sub> (p<sub>i</sub> − y<sub>i</sub>)</span>
<p>L2 weight decay adds (λ/2)·‖W‖² to the loss and λW to ∇<sub>W</sub> (the bias is not decayed).
An update is W ← W − η ∇<sub>W</sub>, b ← b − η ∇<sub>b</sub>. B = N is full-batch gradient descent,
B = 1 is stochastic gradient descent, anything between is mini-batch SGD.</p>
<p><b>Numeric check, on the first {check.rows} training images</b> (float64, random small parameters, λ = {check.l2:g}):
the gradient above against central differences (L(θ + h) − L(θ − h)) / 2h with h = {check.step:g}, on
{check.entries} weights of pixels those images use and on all {K} biases. Largest difference
{check.max_abs_error:.2e}, that is {check.max_rel_error:.2e} of the largest gradient entry ({check.largest_gradient:.3g}).
Softmax Lab's compiled kernels give the same gradient to {check.engine_max_abs_difference:.1e} on every parameter.</p>

<h2>2. The experiments</h2>
<p>Log-loss (top) and accuracy (bottom) on the training set (solid) and the test set (dashed),
measured on all 60,000 and 10,000 images, against the number of training samples seen
(log scale: the runs see from 60,000 to 6,000,000 samples).</p>
<img alt="log-loss and accuracy of the four experiments" width="900" src="data:image/png;base64,{picture}">
{_table(["experiment", "train loss", "train acc.", "test loss", "test acc.", "test acc. without b", "test acc., float64 training"], result_rows)}

<h2>3. What each method costs</h2>
<p>Multiply-adds of one update, counted as the course's dense numpy code does them: the forward pass
X W<sup>T</sup> + b is B·d·K + B·K, the gradient (P − Y)<sup>T</sup> X and its bias term another
B·d·K + B·K, and the step W −= η∇ (d+1)·K:</p>
<span class="f">per update: {per_update};   per epoch (N/B updates): 2·N·d·K + 2·N·K + (N/B)·(d+1)·K</span>
<p>The step's (d+1)·K is paid once per update, so it weighs most at B = 1: an epoch of SGD with B = 1 costs
about 3·N·d·K, one with B = 100 about 2·N·d·K, <b>1.5 times less</b>, for the same number of samples.
Full-batch GD pays 2·N·d·K per update, and one update per epoch. Measured seconds are Softmax Lab's,
whose kernels do work in proportion to the non-zero pixels ({density:.0%} of these images' pixels) rather than to d,
so they do not follow the dense count exactly. Target: {target:.2f} test accuracy, first reached at a
point (points come every 5,000 samples, or every epoch for seed-report).</p>
{_table(["experiment", "B", "updates", "multiply-adds per update", "multiply-adds in all", "training s", "samples/s", f"samples to {target:.2f}", f"seconds to {target:.2f}", f"multiply-adds to {target:.2f}"], cost_rows)}

<h2>4. Where our numbers differ from the course's code</h2>
{bias_paragraph}
<p><b>Evaluation points.</b> The course evaluated after samples 1, 5,001, …, 55,001 (mini-batch:
100, 5,100, …) and never at the end of the pass. Softmax Lab evaluates before the first update
(samples 0) and then every 5,000 samples, the end of the run included, so the first point is the
untrained model and the last is the model that is saved.</p>
<p><b>Float32 training.</b> The course's numpy code trained in float64. Softmax Lab trains in float32
(half the memory traffic) and evaluates and saves in float64. {float_text}</p>

<h2>Files</h2>
<p><a href="results.json">results.json</a> (every figure above, and every point);
{", ".join(f'<a href="{html.escape(r["experiment"])}.hdf5">{html.escape(r["experiment"])}.hdf5</a>' for r in results)}
(parameters: <code>w</code> (K, d) and <code>b</code> (K, 1), the course's schema);
{", ".join(f'<a href="{html.escape(r["experiment"])}.csv">{html.escape(r["experiment"])}.csv</a>' for r in results)}
(the points); <a href="curves.png">curves.png</a>.</p>
</html>
"""
