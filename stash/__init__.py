"""Stash GraphQL client (client.StashClient) and every query text it sends (queries)."""
