"""micrograd programs as pasted, with PyTorch float64 reference vectors for them."""
