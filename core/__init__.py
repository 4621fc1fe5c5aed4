"""Shared building blocks of Stash2Plex. Standard library only: the hook path imports these."""
