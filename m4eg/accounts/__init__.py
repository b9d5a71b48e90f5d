"""Accounts: registration, sign-in, password reset, profiles and roles."""

from flask import Blueprint

bp = Blueprint("accounts", __name__, template_folder="templates")

from . import policies, views  # noqa: E402,F401  (routes and policies register on import)
