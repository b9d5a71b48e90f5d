"""WSGI entry point: `gunicorn wsgi:app`."""

from m4eg import create_app

app = create_app()
