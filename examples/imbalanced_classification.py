"""Imbalanced classification, in the style of the keras.io "credit card fraud detection" example.

One transaction in 200 is a fraud. A classifier trained as usual can score 99.5% accuracy by never
predicting a fraud, so the model is trained with ``class_weight`` (each class weighing in inverse
proportion to its count) and watched through the confusion counts, precision, recall and AUC
instead of accuracy. The same network is trained once without and once with the class weights,
and the validation frauds each one catches are printed.

The transactions are synthetic, generated here (30 features; frauds differ from normal transactions
in a few of them, with a wide overlap), so the script needs no download. It uses Keras's names
only, but for handkeras's ``keras.utils.plot_history`` at the end: with that line removed and the
imports changed back, it runs on Keras. HANDKERAS_EXAMPLES_FAST=1 cuts rows and epochs. Writes
``imbalanced_classification_unweighted_curves.png`` and ``..._class_weight_curves.png`` into the
current directory.
"""

import os

import numpy as np

import handkeras as keras  # was: import keras
from handkeras import layers  # was: from keras import layers

FAST = os.environ.get("HANDKERAS_EXAMPLES_FAST") == "1"
ROWS = 6000 if FAST else 40000
EPOCHS = 3 if FAST else 20


def make_transactions(n, fraud_rate=0.005, seed=0):
    """Normal transactions around 0; frauds shifted along five of the 30 features."""
    rng = np.random.default_rng(seed)
    y = (rng.uniform(size=n) < fraud_rate).astype("int64")
    x = rng.normal(size=(n, 30))
    shift = np.zeros(30)
    shift[[2, 5, 11, 17, 24]] = [1.5, -1.2, 1.0, -0.8, 1.3]
    x[y == 1] += shift
    return x.astype("float32"), y


def classifier(input_width):
    model = keras.Sequential([
        keras.Input(shape=(input_width,)),
        layers.Dense(256, activation="relu"),
        layers.Dense(256, activation="relu"),
        layers.Dropout(0.3),
        layers.Dense(256, activation="relu"),
        layers.Dropout(0.3),
        layers.Dense(1, activation="sigmoid"),
    ])
    metrics = [
        keras.metrics.FalseNegatives(name="fn"),
        keras.metrics.FalsePositives(name="fp"),
        keras.metrics.TrueNegatives(name="tn"),
        keras.metrics.TruePositives(name="tp"),
        keras.metrics.Precision(name="precision"),
        keras.metrics.Recall(name="recall"),
        keras.metrics.AUC(name="auc"),
    ]
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="binary_crossentropy",
                  metrics=metrics)
    return model


def main():
    keras.utils.set_random_seed(1337)
    features, targets = make_transactions(ROWS)
    num_val_samples = int(len(features) * 0.2)
    train_features, val_features = features[:-num_val_samples], features[-num_val_samples:]
    train_targets, val_targets = targets[:-num_val_samples], targets[-num_val_samples:]
    counts = np.bincount(train_targets)
    print(f"Number of positive samples in training data: {counts[1]} "
          f"({100 * float(counts[1]) / len(train_targets):.2f}% of total)")

    # Standardize with the training statistics, as the keras.io example does.
    mean, std = train_features.mean(axis=0), train_features.std(axis=0)
    train_features = (train_features - mean) / std
    val_features = (val_features - mean) / std

    weight_for_0 = 1.0 / counts[0]
    weight_for_1 = 1.0 / counts[1]
    runs = {"unweighted": None, "class_weight": {0: weight_for_0, 1: weight_for_1}}
    histories = {}
    for label, class_weight in runs.items():
        model = classifier(train_features.shape[-1])
        if label == "unweighted":
            model.summary()
        history = model.fit(train_features, train_targets, batch_size=2048, epochs=EPOCHS,
                            verbose=2, validation_data=(val_features, val_targets),
                            class_weight=class_weight)
        histories[label] = history
        results = model.evaluate(val_features, val_targets, batch_size=2048, verbose=0,
                                 return_dict=True)
        frauds = int(val_targets.sum())
        print(f"\n{label}: caught {int(results['tp'])} of {frauds} validation frauds, "
              f"flagged {int(results['fp'])} of {len(val_targets) - frauds} normal transactions "
              f"(precision {results['precision']:.3f}, recall {results['recall']:.3f}, "
              f"AUC {results['auc']:.3f})\n")

    for label, history in histories.items():
        keras.utils.plot_history(history, path=f"imbalanced_classification_{label}_curves.png")
    print("Loss and metric curves saved to imbalanced_classification_*_curves.png")


if __name__ == "__main__":
    main()
