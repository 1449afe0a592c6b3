"""PyTorch eager: a plain training loop with ``torch.optim.SGD`` and ``cross_entropy``, float32,
on as many threads as numpy uses (run in a worker process, see benchmarks/worker.py)."""

import torch
import torch.nn.functional as F

from benchmarks.cases import LEARNING_RATE, PREDICT_BATCH
from benchmarks.timing import best_of, warmup_rows


def setup(threads):
    torch.set_num_threads(threads)


def _model(units):
    torch.manual_seed(0)
    modules = []
    for fan_in, fan_out in zip(units[:-1], units[1:]):
        modules += [torch.nn.Linear(fan_in, fan_out), torch.nn.ReLU()]
    return torch.nn.Sequential(*modules[:-1])     # logits out: the softmax lives in the loss


def _train_epoch(model, optimizer, x, y, batch_size):
    order = torch.randperm(len(x))
    for start in range(0, len(x), batch_size):
        index = order[start:start + batch_size]
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x[index]), y[index])
        loss.backward()
        optimizer.step()


def train(case, data, rows, repeats):
    model = _model(case.units)
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    x, y = torch.from_numpy(data.x[:rows]), torch.from_numpy(data.y[:rows])
    warm = warmup_rows(case.batch, rows)
    _train_epoch(model, optimizer, x[:warm], y[:warm], case.batch)
    return best_of(repeats, lambda: _train_epoch(model, optimizer, x, y, case.batch))


def _predict(model, x):
    out = torch.empty((len(x), model[-1].out_features))
    with torch.inference_mode():
        for start in range(0, len(x), PREDICT_BATCH):
            out[start:start + PREDICT_BATCH] = torch.softmax(model(x[start:start + PREDICT_BATCH]),
                                                             dim=1)
    return out


def predict(case, data, rows, repeats):
    model = _model(case.units)
    x = torch.from_numpy(data.x[:rows])
    _predict(model, x[:warmup_rows(PREDICT_BATCH, rows)])
    return best_of(repeats, lambda: _predict(model, x))
