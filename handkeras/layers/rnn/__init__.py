"""Recurrent layers: SimpleRNN, LSTM and GRU over a shared time loop (backprop through time)."""
