"""The live inspector: a Starlette app that shows plugins_core registry events in a browser.

Use ``create_app(registry)`` to mount it in an ASGI app of your own, or ``start_inspector()`` to run
it inside your program (on its event loop or in a background thread).
"""
