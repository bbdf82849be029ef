"""Serve the real ASGI app with uvicorn on loopback, in a background thread."""

from bot.server import serve_http_in_thread as serve_app

__all__ = ["serve_app"]
