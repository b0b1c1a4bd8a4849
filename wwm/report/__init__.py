"""Report: statistics of a written dataset and its HTML page."""
