"""Reading Stash's stdin, the one JSON result, the task/hook catalog. Standard library only."""
