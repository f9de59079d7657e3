"""What other apps may hook into the worker (runsystem) by: Django signals."""

from django.dispatch import Signal

# Sent once runsystem is about to run (not with --once), with stopping: a
# threading.Event that is set when the worker stops. A receiver may start work of
# its own beside the followers (a thread that exits when stopping is set).
worker_starting = Signal()
