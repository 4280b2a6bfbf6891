"""Webhooks (API-CONTRACT §5.17): CRUD for the SDKs and signed, retried deliveries.

The worker finds the tasks through `app.autodiscover_tasks(["memories.webhooks"])` in
config/celery.py.
"""
