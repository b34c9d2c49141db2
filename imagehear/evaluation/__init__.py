"""One evaluation: options, the clip set checked, the pipeline from clips to metric entries, the results record."""
