"""The broker edge: every stored event published once, in log order, and commands by
request/reply, on NATS JetStream, RabbitMQ or Redis Streams through FastStream.

- :mod:`~services.broker.url`: which broker a ``CAREPATH_BROKER_URL`` names;
- :mod:`~services.broker.names`: streams, subjects and keys, named for the product;
- :mod:`~services.broker.connection`: the FastStream broker of a URL, one code path;
- :mod:`~services.broker.outlets`: how each broker stores a batch and acknowledges it;
- :mod:`~services.broker.relay`: the worker that follows the ordered log and publishes;
- :mod:`~services.broker.commands`: the write side's commands by request/reply;
- :mod:`~services.broker.runtime`: the broker, relay and command handlers started together.
"""
