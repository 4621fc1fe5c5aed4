"""plex package."""
