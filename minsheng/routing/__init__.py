"""Routing suggestions and automatic dispatch from trained models (issue 5)."""
