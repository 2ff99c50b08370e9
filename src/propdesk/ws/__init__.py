"""The real-time WebSocket gateway: typed messages, reference-counted topics, AsyncAPI."""
