"""An LSTM reading Fashion-MNIST images row by row: each 28x28 image is a sequence of 28 time steps
of 28 pixels, the classic "RNN on MNIST" Keras script, with only the imports changed.

LSTM(64) over the rows, then a softmax Dense; Adam on sparse categorical cross-entropy.
HANDKERAS_EXAMPLES_FAST=1 cuts rows and epochs (for the CI smoke test); SEED picks the seed.
"""

import os
import time

import numpy as np

import handkeras as keras  # was: import keras
from handkeras import layers  # was: from keras import layers

FAST = os.environ.get("HANDKERAS_EXAMPLES_FAST") == "1"
keras.utils.set_random_seed(int(os.environ.get("SEED", "0")))

(x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
if FAST:
    x_train, y_train, x_test, y_test = x_train[:2048], y_train[:2048], x_test[:512], y_test[:512]
x_train = x_train.astype("float32") / 255  # (samples, 28 time steps, 28 pixels per step)
x_test = x_test.astype("float32") / 255

model = keras.Sequential([
    keras.Input(shape=(28, 28)),
    layers.LSTM(64),
    layers.Dense(10, activation="softmax"),
])
model.summary()
model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.003),
              loss="sparse_categorical_crossentropy", metrics=["accuracy"])

start = time.perf_counter()
history = model.fit(x_train, y_train, batch_size=128, epochs=2 if FAST else 5,
                    validation_split=0.1)
print(f"Trained in {time.perf_counter() - start:.1f} s")

score = model.evaluate(x_test, y_test, verbose=0)
print("Test loss:", score[0])
print("Test accuracy:", score[1])
print("First test image: predicted", int(np.argmax(model.predict(x_test[:1], verbose=0))),
      "- actually", int(y_test[0]))

keras.utils.plot_history(history, path="fashion_mnist_lstm_curves.png")
