"""gunicorn reads this file from the directory it starts in (``gunicorn -w 4 wsgi:app``).

Before any worker starts, it refuses several workers whose login counts would live in each
worker's memory (each would let the limits through again), and a rate-limit store (Redis) that
does not answer.
"""


def on_starting(server) -> None:
    from cdt_app.config import check_server_workers

    check_server_workers(server.cfg.workers)
