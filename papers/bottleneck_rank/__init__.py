"""Jacot, "Bottleneck Structure in Learned Features: Low-Dimension vs Regularity Tradeoff" (arXiv 2305.19008v3)."""
