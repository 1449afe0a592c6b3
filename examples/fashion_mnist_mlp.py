"""TensorFlow's "basic classification" tutorial (Fashion-MNIST, Flatten, Dense 128 relu, Dense 10,
Adam, 10 epochs), ported to handkeras by changing only the imports.

HANDKERAS_EXAMPLES_FAST=1 cuts rows and epochs (for the CI smoke test); SEED picks the seed.
"""

import os

import numpy as np

import handkeras as keras  # was: from tensorflow import keras

FAST = os.environ.get("HANDKERAS_EXAMPLES_FAST") == "1"
keras.utils.set_random_seed(int(os.environ.get("SEED", "0")))

fashion_mnist = keras.datasets.fashion_mnist
(train_images, train_labels), (test_images, test_labels) = fashion_mnist.load_data()
class_names = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
if FAST:
    train_images, train_labels = train_images[:3000], train_labels[:3000]
    test_images, test_labels = test_images[:1000], test_labels[:1000]

train_images = train_images / 255.0
test_images = test_images / 255.0

model = keras.Sequential([
    keras.layers.Flatten(input_shape=(28, 28)),
    keras.layers.Dense(128, activation="relu"),
    keras.layers.Dense(10),
])
model.compile(optimizer="adam",
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["accuracy"])

history = model.fit(train_images, train_labels, epochs=1 if FAST else 10)

test_loss, test_acc = model.evaluate(test_images, test_labels, verbose=2)
print("\nTest accuracy:", test_acc)

probability_model = keras.Sequential([model, keras.layers.Softmax()])
predictions = probability_model.predict(test_images)
print("First test image: predicted", class_names[np.argmax(predictions[0])],
      "- actually", class_names[test_labels[0]])

keras.utils.plot_history(history, path="fashion_mnist_mlp_curves.png")
