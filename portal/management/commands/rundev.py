"""Start the web server, a Celery worker and beat for local use; Ctrl-C stops all of them."""

import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from dossiers.tasks import flag_deadlines_task
from portal.demo import DEMO_PASSWORD, DEMO_USERS


class Command(BaseCommand):
    help = "Run web + Celery worker + beat in the foreground (development)."

    def add_arguments(self, parser):
        parser.add_argument("--addrport", default="127.0.0.1:8000")

    def handle(self, *args, addrport, **options):
        for folder in ("celery/queue", "celery/processed", "celery/control", "media", "mail"):
            (settings.VAR_DIR / folder).mkdir(parents=True, exist_ok=True)
        python = sys.executable
        processes = [
            subprocess.Popen([python, "manage.py", "runserver", addrport, "--noreload"]),  # noqa: S603
            subprocess.Popen(  # noqa: S603 (fixed arguments, no user input)
                [
                    python,
                    "-m",
                    "celery",
                    "-A",
                    "portal",
                    "worker",
                    "--beat",
                    "--loglevel=INFO",
                    "--concurrency=2",
                    "--schedule",
                    settings.CELERY_BEAT_SCHEDULE_FILENAME,
                ]
            ),
        ]
        self._print_welcome(addrport)
        # Beat's first deadline sweep would come five minutes in; flag the demo data now.
        flag_deadlines_task.delay()

        def stop(*_args):
            for process in processes:
                if process.poll() is None:
                    process.terminate()
            for process in processes:
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
            sys.exit(0)

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        while all(process.poll() is None for process in processes):
            time.sleep(0.5)
        self.stderr.write("A process stopped; stopping the others.")
        stop()

    def _print_welcome(self, addrport):
        lines = [
            "",
            f"  motcua is running at http://{addrport}/",
            f"  Admin: http://{addrport}/admin/   Staff login: http://{addrport}/staff/login/",
            f"  Demo logins (password for all: {DEMO_PASSWORD}):",
        ]
        lines += [f"    {user['role']:<16} {user['login']}" for user in DEMO_USERS]
        lines += ["  Press Ctrl-C to stop the web server, the worker and beat.", ""]
        self.stdout.write("\n".join(lines))
