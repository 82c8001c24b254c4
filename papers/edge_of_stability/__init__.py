"""Terjék, "Feature Learning Beyond the Edge of Stability", arXiv:2502.13110v2 (with Cohen et al. 2021 as anchor)."""
