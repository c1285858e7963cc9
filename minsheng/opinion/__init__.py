"""Public-opinion monitoring: topics, surges, opinion reports (issue 6)."""
