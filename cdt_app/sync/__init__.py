"""Offline work: the sync service, the outbox page and the service worker."""
