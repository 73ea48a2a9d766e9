"""Work in progress: this format is being written (issue 3)."""
