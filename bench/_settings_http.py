"""Settings for the HTTP intake bench only: the project's settings, with a URLconf that adds the bare
create endpoint (the floor) in front of the real routes. Used by `bench/intake.py` when it starts gunicorn."""

from jingzhi.config.settings import *  # noqa: F403

ROOT_URLCONF = "_urls_http"
