"""Report: figures theme, verdict tables and the offline HTML page."""
