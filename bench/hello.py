"""The ceiling: a Flask app with one route returning a constant, served by the runner under
the same gunicorn settings as the platform."""

from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello():
    return "Hello, world!"
