"""Opt-in diagnostics for operators: with ``M4EG_SQL_COUNT_HEADER=1`` every response carries
``X-SQL-Queries``, the number of SQL statements its request ran (bench/run.py reads it).
Off by default: the header tells an outsider something about the internals."""

from __future__ import annotations

import contextlib

from flask import Flask, g
from sqlalchemy import event


def init_app(app: Flask) -> None:
    if not app.config.get("SQL_COUNT_HEADER"):
        return
    from ..extensions import db

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _count(conn, cursor, statement, parameters, context, executemany):
        with contextlib.suppress(RuntimeError):  # outside a request or app context (CLI)
            g.sql_queries = g.get("sql_queries", 0) + 1

    @app.after_request
    def _header(response):
        response.headers["X-SQL-Queries"] = str(g.get("sql_queries", 0))
        return response
