"""Documents rendered to HTML, PDF, Word and Excel, with charts."""
