"""The entry layer: parsing Stash's stdin, dispatching, printing the one JSON result. Standard library only."""
