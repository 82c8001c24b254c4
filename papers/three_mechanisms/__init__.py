"""Xu & Ziyin, "Three Mechanisms of Feature Learning in a Linear Network" (arXiv 2401.07085v3, ICLR 2025)."""
