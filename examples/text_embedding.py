"""Text classification with word embeddings: Embedding(mask_zero=True) + GlobalAveragePooling1D + Dense.

A small synthetic sentiment task, generated here: short "reviews" mix neutral words with a few
positive or negative ones (and "not", which flips the next sentiment word). Reviews are turned into
padded sequences of word ids (0 = padding, 1 = out of vocabulary). Because the embedding masks id 0,
the pooling averages the real words only: a review's prediction does not depend on how much padding
follows it. After training, the words nearest to "great" in the embedding space are printed.
Set HANDKERAS_EXAMPLES_FAST=1 for a quick run.
"""

import os

import numpy as np

import handkeras as keras
from handkeras import layers

FAST = os.environ.get("HANDKERAS_EXAMPLES_FAST") == "1"

POSITIVE = ["great", "excellent", "wonderful", "loved", "superb", "enjoyable", "brilliant", "fun"]
NEGATIVE = ["awful", "boring", "terrible", "hated", "dull", "poor", "waste", "worst"]
NEUTRAL = ["the", "a", "movie", "film", "plot", "actors", "story", "was", "and", "it", "this",
           "really", "very", "quite", "ending", "music", "scenes", "i", "we", "characters"]
MAX_LENGTH = 20


def make_reviews(n, rng):
    """``n`` reviews (lists of words) and their labels (1 positive, 0 negative)."""
    reviews, labels = [], []
    for _ in range(n):
        label = int(rng.integers(0, 2))
        words = list(rng.choice(NEUTRAL, size=int(rng.integers(3, MAX_LENGTH - 4))))
        for _ in range(int(rng.integers(1, 4))):
            flip = rng.random() < 0.2
            pool = POSITIVE if label != flip else NEGATIVE  # "not awful" is positive
            sentiment = [str(rng.choice(pool))]
            words[int(rng.integers(0, len(words) + 1)):0] = ["not"] + sentiment if flip else sentiment
        reviews.append(words[:MAX_LENGTH])
        labels.append(label)
    return reviews, np.array(labels)


def build_vocabulary(reviews):
    """Word -> id, by frequency; 0 is padding and 1 is out of vocabulary, as Keras's tokenizers do."""
    words, counts = np.unique([w for review in reviews for w in review], return_counts=True)
    ranked = words[np.argsort(-counts, kind="stable")]
    return {str(word): index + 2 for index, word in enumerate(ranked)}


def vectorize(reviews, vocabulary, length=MAX_LENGTH):
    ids = np.zeros((len(reviews), length), dtype="int64")
    for row, review in enumerate(reviews):
        tokens = [vocabulary.get(word, 1) for word in review][:length]
        ids[row, :len(tokens)] = tokens
    return ids


def main():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    reviews, labels = make_reviews(1000 if FAST else 6000, rng)
    split = int(0.8 * len(reviews))
    vocabulary = build_vocabulary(reviews[:split])
    x = vectorize(reviews, vocabulary)
    x_train, y_train, x_test, y_test = x[:split], labels[:split], x[split:], labels[split:]
    print(" ".join(reviews[0]), "->", labels[0])
    print(x[0])

    model = keras.Sequential([
        keras.Input(shape=(None,)),
        layers.Embedding(len(vocabulary) + 2, 16, mask_zero=True),
        layers.GlobalAveragePooling1D(),
        layers.Dense(16, activation="relu"),
        layers.Dense(1, activation="sigmoid"),
    ])
    model.summary()
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train, y_train, epochs=2 if FAST else 15, batch_size=32,
                        validation_split=0.2, verbose=2)

    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"Test accuracy: {accuracy:.4f} (loss {loss:.4f})")

    # masking at work: more padding after the same words changes nothing
    padded_more = np.pad(x_test[:100], ((0, 0), (0, 10)))
    difference = np.abs(model.predict(padded_more, verbose=0) - model.predict(x_test[:100], verbose=0))
    print(f"Largest change from 10 extra padding steps: {difference.max():.2e}")

    examples = [["a", "really", "wonderful", "film"], ["the", "plot", "was", "not", "boring"],
                ["this", "movie", "was", "dull", "and", "poor"]]
    for words, score in zip(examples, model.predict(vectorize(examples, vocabulary), verbose=0)):
        print(f"{' '.join(words):<40} positive with probability {score[0]:.3f}")

    table = model.layers[0].embeddings.numpy()
    unit = table / np.linalg.norm(table, axis=1, keepdims=True)
    words_by_id = {index: word for word, index in vocabulary.items()}
    similarity = unit @ unit[vocabulary["great"]]
    nearest = [words_by_id[i] for i in np.argsort(-similarity) if i in words_by_id][:6]
    print("Nearest to 'great':", nearest)

    keras.utils.plot_history(history, path="text_embedding_curves.png")
    print("Loss and accuracy curves saved to text_embedding_curves.png")


if __name__ == "__main__":
    main()
