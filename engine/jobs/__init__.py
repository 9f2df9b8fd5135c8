"""Whole-file operations (fill, simulate, evaluate, info): what the CLI verbs, the QGIS
Processing algorithms and the training scripts call. Each validates its inputs, reports
progress through a callback, honours a cancel check, and leaves no partial output."""
