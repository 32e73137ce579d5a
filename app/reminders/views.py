"""The reminders have no pages; this blueprint only lends their e-mail templates to Jinja."""

from flask import Blueprint

bp = Blueprint("reminders", __name__, template_folder="templates")
