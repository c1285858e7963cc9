"""Knowledge base, similar cases, duplicate flags and reply checks (issue 5)."""
