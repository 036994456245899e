"""What a screen reader says of each control: its accessible name and description, in
tables by object name (a test walks the Tab chain and fails on a control without them).
A control whose meaning is not obvious from its label gets the description as its
tooltip too, unless it has one of its own."""

from PySide6.QtWidgets import QTabWidget, QWidget

#: Object name -> (accessible name, description).
CONTROLS = {
    # The Train page
    "settingsScroll": ("Training settings", "The form: what the next run trains with"),
    "presetCombo": ("Preset", "Fills the form with a named set of settings: the course's experiments "
                              "and the best ones found"),
    "optimizerCombo": ("Optimizer", "The update rule: SGD, momentum, Nesterov, AdaGrad, RMSprop or Adam"),
    "batchSizeSpin": ("Batch size", "Samples in each update"),
    "fullBatchCheck": ("Full batch", "Each update uses the whole training set: gradient descent"),
    "learningRateSpin": ("Learning rate", "The step size; the arrows step 1, 2, 5 on a log scale"),
    "epochsSpin": ("Epochs", "Passes over the training set"),
    "evalEverySpin": ("A point every", "Samples between two points on the plots: loss and accuracy on "
                                       "the training and test sets"),
    "scheduleCombo": ("Schedule", "How the learning rate changes during a run: constant, step, inverse "
                                  "or cosine"),
    "l2Spin": ("L2", "Weight decay: adds L2 times the weights to their gradient"),
    "seedSpin": ("Seed", "The random seed of the first weights and the shuffling: the same seed "
                         "gives the same run"),
    "shuffleCheck": ("Shuffle each epoch", "Visit the training samples in a new random order each epoch"),
    "momentumSpin": ("Momentum", "How much of the last step each update keeps"),
    "beta1Spin": ("Beta 1", "Adam's decay of the gradient's running mean"),
    "beta2Spin": ("Beta 2", "Adam's decay of the squared gradient's running mean"),
    "rhoSpin": ("Rho", "RMSprop's decay of the squared gradient's running mean"),
    "epsilonSpin": ("Epsilon", "Added to the adaptive optimizers' denominator, so it is never zero"),
    "featuresCombo": ("Inputs", "What the model reads: the pixels, or gradient-orientation histograms "
                                "of them"),
    "deskewCheck": ("Deskew", "For digits: centre each image and undo its slant first"),
    "cellSpin": ("Cell size", "Each gradient histogram's cell, in pixels"),
    "strideSpin": ("Cell step", "A cell every this many pixels"),
    "orientationsSpin": ("Directions", "Gradient directions in each cell's histogram"),
    "startButton": ("Start", "Train a new run with the settings in the form (F5)"),
    "sweepButton": ("Sweep", "Train the settings with several values of one of them at once"),
    "pauseButton": ("Pause", "Pause the run, or resume it (F6)"),
    "stopButton": ("Stop", "End the run; its last point stays (Shift+F5)"),
    "xAxisCombo": ("X axis", "What the plots' x axis counts: samples seen, epochs or training seconds"),
    "logLossCheck": ("Log-scale loss", "A log scale on the loss plot's y axis"),
    "logXCheck": ("Log-scale x", "A log scale on both plots' x axis"),
    "lossPlot": ("Log-loss plot", "Training (solid) and test (dashed) log-loss of each run on show. "
                                  "Left and Right move the readout along a run's points, Up and Down "
                                  "choose the run, Escape hides it"),
    "accuracyPlot": ("Accuracy plot", "Training (solid) and test (dashed) accuracy of each run on show. "
                                      "Left and Right move the readout along a run's points, Up and "
                                      "Down choose the run, Escape hides it"),
    "legendScroll": ("Legend", "Which line is which run: solid lines are the training set, dashed the "
                               "test set"),
    "runsTable": ("Runs", "Every run: tick to show it on the plots, double-click to rename, Delete to "
                          "move it to the trash"),
    "sweepPlot": ("Sweep results", "Each member's final test loss and accuracy against the value swept"),
    # Inside the model
    "normalisedCheck": ("Row-normalised", "Each true class's row as fractions of its samples"),
    "mistakesButton": ("Most confident mistakes", "The test digits the model got wrong with the most "
                                                  "confidence"),
    "confusionTable": ("Confusion matrix", "Rows: the true class, columns: the predicted one; choose a "
                                           "cell for its digits"),
    "targetAccuracySpin": ("Target test accuracy", "The accuracy whose cost each run's row reports"),
    "costTable": ("Cost of each run", "What each run took to reach the target: samples, updates, "
                                      "seconds and multiply-adds"),
    # Step by step
    "stepScroll": ("Step details", "The batch, its probabilities, the gradient, the weights before and "
                                   "after, and the formulas"),
    "stepResetButton": ("Start from the selected run", "Copy the selected run's parameters (or the "
                                                       "bundled pixel model's) to step; the run is not "
                                                       "changed"),
    "stepButton": ("Step", "Take one update of gradient descent and show every quantity in it"),
    "step10Button": ("Step ten times", "Take ten updates and show the last"),
    "stepToPointButton": ("Run to next point", "Take as many updates as the run takes to its next point"),
    "stepProbabilities": ("Probabilities of the batch", "p for each example (rows) and class "
                                                        "(columns); the true class shaded"),
    # Draw a digit
    "brushWidthSpin": ("Brush width", "The pen's width on the canvas, in pixels"),
    "undoButton": ("Undo", "Take back the last stroke (Ctrl+Z)"),
    "clearButton": ("Clear", "Empty the canvas (Escape)"),
    "digitCanvas": ("Drawing canvas", "Draw a digit with the mouse, a pen or a finger: the prediction "
                                      "follows. Escape clears, Ctrl+Z undoes; drop or paste a picture "
                                      "to classify it"),
    "modelCombo": ("Model", "Which model reads the drawing: one shipped with the app, or a run"),
    "probabilityBars": ("Probabilities", "The probability the model gives each class"),
    "teachLabelCombo": ("It is", "What the drawing really is: its label in My digits"),
    "teachButton": ("Add to My digits", "Keep the drawing's 28x28 model input with the label chosen"),
    "fineTuneButton": ("Fine-tune", "Train the chosen model a few hundred steps on My digits, as a new run"),
    "myDigitsMenuButton": ("My digits", "Export, import or clear the drawings kept"),
    # History
    "historySearch": ("Search runs", "Finds runs by name, notes, sweep or where they came from"),
    "historyDataFilter": ("Data set", "Only the runs trained on this data"),
    "historyOptimizerFilter": ("Optimizer", "Only the runs of this optimizer"),
    "historyDateFilter": ("When", "Only the runs of this period"),
    "historyTable": ("Run history", "Every run recorded: tick to put it on the plots, double-click to "
                                    "open it"),
    "historyOpenButton": ("Open", "Put the selected runs on the plots"),
    "historyTrashButton": ("Move to trash", "Move the selected runs to the trash (Delete)"),
    "historyTrashToggle": ("Trash", "Show the runs in the trash, to restore them or empty it"),
    "historyRestoreButton": ("Restore", "Take the selected runs out of the trash"),
    "historyEmptyTrashButton": ("Empty trash", "Delete the runs in the trash for good"),
}

#: The pages of the tab widgets (object name -> page title -> description): a tab bar's
#: description is its current page's.
PAGES = {
    "mainTabs": {
        "Train": "Train runs and compare their curves",
        "Inside the model": "What the selected run's model learned: its weights, its confusion "
                            "matrix, and what each run cost",
        "Step by step": "One update of gradient descent, with every quantity in it",
        "Draw a digit": "Draw a digit and see what a model makes of it, and why",
        "History": "Every run recorded, trained here, on the command line or from Python",
    },
    "insightViews": {
        "Weights": "Each class's weights as a picture (or the strokes it looks for)",
        "Confusion": "Which classes the model mistakes for which, on the test set",
        "Cost and convergence": "What each run took to reach a test accuracy",
    },
}


def describe(window):
    """Give every control of ``window`` in :data:`CONTROLS` its name and description (and
    a tooltip when it has none), and the tab bars theirs."""
    for name, (accessible, description) in CONTROLS.items():
        for widget in window.findChildren(QWidget, name):
            widget.setAccessibleName(accessible)
            widget.setAccessibleDescription(description)
            if not widget.toolTip():
                widget.setToolTip(description)
    for name, pages in PAGES.items():
        tabs = window.findChild(QTabWidget, name)
        for i in range(tabs.count() if tabs is not None else 0):
            tabs.setTabToolTip(i, pages[tabs.tabText(i)])


def announce(widget, html_text):
    """Have a screen reader say ``html_text`` (as plain text) for ``widget``: the plots'
    keyboard readout changes with no focus change."""
    from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent, QTextDocumentFragment

    if QAccessible.isActive():
        text = QTextDocumentFragment.fromHtml(html_text).toPlainText()
        QAccessible.updateAccessibility(QAccessibleAnnouncementEvent(widget, text))
