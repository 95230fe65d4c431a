"""Backend integrations: what a Python web app needs to use shaker's dev server and build.

``tags`` (the tags of an entry, dev and production, framework-neutral), ``jinja`` (Jinja
globals for Flask and FastAPI), ``asgi`` (the dev server mounted in Starlette, FastAPI or
Litestar: one port). Django has its own app, ``shaker.django``. Nothing here is imported by
``import shaker``; each module imports its framework only when it is used.
"""
