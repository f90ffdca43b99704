"""Gunicorn settings; every value can be overridden from the environment."""

import multiprocessing
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
# The master loads the app, its content and its templates once (wsgi.py, warm_up) and every
# worker is forked ready; a new release therefore needs a restart, not a HUP.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") != "0"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On SIGTERM (systemctl stop, a rolling deploy) workers stop accepting connections and get
# this many seconds to finish the requests in flight before they are killed; the load balancer
# should already have stopped sending new ones (/readyz).
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# A worker is replaced after this many requests (against slow leaks). Its replacement starts
# with no slide rendered and no session verified yet, and a classroom that moves on together
# meets it at once: after a minute of load at 2,000 a worker, a burst of 300 repeat views
# gave p95 517 ms on fresh workers against 175 ms on warm ones (docs/performance.md).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = max_requests // 10
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Gunicorn's control socket (one fixed path per user by default) is not used here; several
# instances on one machine (tests, benchmark, demo) would otherwise share it.
control_socket_disable = True


def on_starting(server):
    """Parse the certificate fonts once in the master: every worker forked from it (also the
    ones that replace a worker after max_requests) starts with them, so no request pays the
    few hundred milliseconds an Arabic or Chinese font takes to parse."""
    from training_app.printing.fonts import warm_up

    warm_up()
