"""One sub-package per reproduced paper; discovered by claimbench.registry, never listed by hand."""
