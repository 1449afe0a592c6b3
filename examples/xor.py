"""XOR: four rows, one hidden layer. The whole dataset is one (partial) batch of Keras's default 32."""

import os

import numpy as np

import handkeras as keras
from handkeras import layers

FAST = os.environ.get("HANDKERAS_EXAMPLES_FAST") == "1"
keras.utils.set_random_seed(3)

x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype="float32")
y = np.array([[0], [1], [1], [0]], dtype="float32")

model = keras.Sequential([
    keras.Input(shape=(2,)),
    layers.Dense(8, activation="tanh"),
    layers.Dense(1, activation="sigmoid"),
])
model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.05), loss="binary_crossentropy",
              metrics=["accuracy"])
history = model.fit(x, y, epochs=50 if FAST else 500, verbose=0)

print("loss:", round(history.history["loss"][-1], 4), "accuracy:", history.history["accuracy"][-1])
for row, prediction in zip(x, model.predict(x, verbose=0)):
    print(f"{row.astype(int)} -> {prediction[0]:.3f}")
keras.utils.plot_history(history, path="xor_curves.png")
