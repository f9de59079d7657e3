"""What runs the bank's event-sourced system on Django, knowing nothing of banking:
the event store's persistence, the worker and its runners (threads, processes, Ray),
the base of read-model projections, the followers' health and metrics, and the
worker's commands (runsystem, rebuild_read_models, systemstatus).

The system it runs is named by settings.BANK_SYSTEM; nothing here imports the apps.
"""
