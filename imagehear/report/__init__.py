"""Reporting results: summary, per-sample files, plots, comparisons of two runs, formatting."""
