"""The event store: how events are stored (canonical JSON) and how the store is configured.

``mapper`` turns events into canonical bytes and back; ``environment`` turns settings into the
eventsourcing library's configuration. Tamper evidence and key management will live here too.
"""
