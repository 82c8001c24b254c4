"""Takakura & Suzuki (ICML 2024), "Mean-field Analysis on Two-layer Neural Networks from a Kernel Perspective"."""
