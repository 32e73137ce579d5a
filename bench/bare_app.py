"""The floor: a bare Flask app returning a fixed small page, served like Aula for comparison."""

from flask import Flask

app = Flask(__name__)
PAGE = "<!doctype html><html lang=es><title>x</title><p>" + "Hola. " * 300 + "</p></html>"


@app.route("/")
def index():
    return PAGE
