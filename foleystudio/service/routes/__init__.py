"""One module per resource: jobs, results, edits."""
