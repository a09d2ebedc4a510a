"""Shared pieces of the open REST API: errors, pagination, permissions, throttles, optimistic concurrency, URLs.

Each app keeps its own serializers, views and URLs under ``<app>/api/``; this package holds what they share.
"""
