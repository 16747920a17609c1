"""HTTP in and out: each module parses requests, calls the workspace, and shapes replies."""
