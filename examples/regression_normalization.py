"""Regression with a Normalization layer, in the style of the Keras "basic regression" tutorial.

Tabular features with very different scales (an engine's cylinders, displacement, horsepower, weight,
acceleration, model year and origin) predict a fuel efficiency. The data are synthetic, generated
here from a known nonlinear formula plus noise, so the script needs no download.

A ``Normalization`` layer adapted on the training features scales each column to mean 0 and variance
1 inside the model. Three models are compared on held-out data: a one-feature linear model
(``Normalization(axis=None)`` on horsepower), a linear model on every feature and a deep network
(two hidden Dense layers), all trained on the mean absolute error. Set HANDKERAS_EXAMPLES_FAST=1 for
a quick run.
"""

import os

import numpy as np

import handkeras as keras
from handkeras import layers

FAST = os.environ.get("HANDKERAS_EXAMPLES_FAST") == "1"
FEATURES = ["cylinders", "displacement", "horsepower", "weight", "acceleration", "model_year",
            "europe", "japan", "usa"]


def make_cars(n, seed=0):
    """Car-like features and a fuel efficiency (miles per gallon) that falls with weight and power."""
    rng = np.random.default_rng(seed)
    cylinders = rng.choice([4, 6, 8], size=n, p=[0.5, 0.25, 0.25])
    displacement = cylinders * rng.normal(40.0, 6.0, size=n)
    horsepower = 0.35 * displacement + rng.normal(30.0, 12.0, size=n)
    weight = 9.0 * displacement + rng.normal(1500.0, 250.0, size=n)
    acceleration = 22.0 - 0.04 * horsepower + rng.normal(0.0, 1.5, size=n)
    model_year = rng.integers(70, 83, size=n)
    origin = rng.integers(0, 3, size=n)
    mpg = (2400.0 / np.sqrt(weight) - 0.06 * horsepower + 0.6 * (model_year - 70)
           + 1.5 * (origin > 0) + rng.normal(0.0, 1.5, size=n))
    x = np.column_stack([cylinders, displacement, horsepower, weight, acceleration, model_year,
                         np.eye(3)[origin]]).astype("float32")
    return x, mpg.astype("float32")


def main():
    keras.utils.set_random_seed(0)
    x, y = make_cars(800 if FAST else 4000)
    split = int(0.8 * len(x))
    train_features, test_features = x[:split], x[split:]
    train_labels, test_labels = y[:split], y[split:]
    epochs = 5 if FAST else 100

    print("Feature means:", dict(zip(FEATURES, train_features.mean(axis=0).round(1))))
    print("Feature stds: ", dict(zip(FEATURES, train_features.std(axis=0).round(1))))

    # --- the normalization layer learns each column's mean and variance
    normalizer = layers.Normalization(axis=-1)
    normalizer.adapt(train_features)
    print("Adapted mean:", normalizer.adapt_mean.numpy().round(1))
    print("First example normalized:", normalizer(train_features[:1]).round(2))

    test_results, histories = {}, {}

    # --- linear regression on one feature: horsepower
    column = FEATURES.index("horsepower")
    horsepower = train_features[:, column:column + 1]
    horsepower_normalizer = layers.Normalization(axis=None)
    horsepower_normalizer.adapt(horsepower)
    horsepower_model = keras.Sequential([keras.Input(shape=(1,)), horsepower_normalizer,
                                         layers.Dense(units=1)])
    horsepower_model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.1),
                             loss="mean_absolute_error")
    histories["horsepower"] = horsepower_model.fit(horsepower, train_labels, epochs=epochs,
                                                   verbose=0, validation_split=0.2)
    test_results["horsepower_model"] = horsepower_model.evaluate(
        test_features[:, column:column + 1], test_labels, verbose=0)

    # --- linear regression on every feature
    linear_model = keras.Sequential([keras.Input(shape=(len(FEATURES),)), normalizer,
                                     layers.Dense(units=1)])
    linear_model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.1),
                         loss="mean_absolute_error")
    histories["linear"] = linear_model.fit(train_features, train_labels, epochs=epochs, verbose=0,
                                           validation_split=0.2)
    test_results["linear_model"] = linear_model.evaluate(test_features, test_labels, verbose=0)

    # --- a deep network on every feature (a fresh normalizer, adapted the same way)
    dnn_normalizer = layers.Normalization(axis=-1)
    dnn_normalizer.adapt(train_features)
    dnn_model = keras.Sequential([
        keras.Input(shape=(len(FEATURES),)),
        dnn_normalizer,
        layers.Dense(64, activation="relu"),
        layers.Dense(64, activation="relu"),
        layers.Dense(1),
    ])
    dnn_model.compile(loss="mean_absolute_error", optimizer=keras.optimizers.Adam(0.001),
                      metrics=["mse"])
    dnn_model.summary()
    histories["dnn"] = dnn_model.fit(train_features, train_labels, validation_split=0.2,
                                     verbose=0, epochs=epochs)
    test_results["dnn_model"] = dnn_model.evaluate(test_features, test_labels, verbose=0)[0]

    print("\nMean absolute error [MPG] on the test set:")
    for name, mae in test_results.items():
        print(f"  {name:<18} {mae:.3f}")
    predictions = dnn_model.predict(test_features[:5], verbose=0).ravel()
    print("DNN predictions:", predictions.round(1), " true:", test_labels[:5].round(1))

    for name, history in histories.items():
        keras.utils.plot_history(history, path=f"regression_{name}_curves.png")
    print("Loss curves saved to regression_*_curves.png")


if __name__ == "__main__":
    main()
