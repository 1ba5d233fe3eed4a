"""Benchmarks: the engine's speed beside micrograd, PyTorch and hand-written numpy, printed as tables."""
