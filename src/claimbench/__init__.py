"""claimbench: literature-grounded reproduction benchmarks for deep-learning theory."""

__version__ = "0.1.0"
