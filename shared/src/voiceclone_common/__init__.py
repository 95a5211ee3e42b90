"""Plumbing every service shares: errors, health, metrics, settings, JSON, threads.

Nothing here knows about speech; each service builds its app with these pieces in its
own app factory.
"""
