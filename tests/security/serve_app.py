"""Serve the app on a free loopback port, for tests that need several real app processes.

Run as `python -m tests.security.serve_app`; AULA_TEST_SETTINGS (JSON) holds the settings
given to create_app, AULA_INSTANCE_PATH its instance folder. Prints the port, then serves.
"""

from __future__ import annotations

import json
import os

from werkzeug.serving import make_server

from app import create_app


def main() -> None:
    settings = json.loads(os.environ["AULA_TEST_SETTINGS"])
    app = create_app(settings, instance_path=os.environ["AULA_INSTANCE_PATH"])
    server = make_server("127.0.0.1", 0, app)
    print(server.server_port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
