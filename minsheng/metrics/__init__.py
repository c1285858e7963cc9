"""Accountability: rates, statistics, rankings, exports (issue 4)."""
