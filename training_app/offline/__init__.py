"""Offline study: the service worker, what it keeps, and the queue it sends back."""
