"""``torch.nn.utils.rnn``: packing and padding variable-length sequences for RNNs."""
