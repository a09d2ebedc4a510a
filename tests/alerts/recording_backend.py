"""An e-mail backend for the killed-worker test: records each accepted message durably, one JSON line, fsynced.

``ALERTS_TEST_MAILBOX`` is the file. ``ALERTS_TEST_BLOCK`` = ``before:N`` makes the worker stop dead at its N-th message
before the "server" accepts it; ``after:N`` right after accepting it (before the worker can mark it sent). It then
writes ``<mailbox>.blocked`` and waits to be killed, so the test kills it at an exact point, not by luck.
"""

import json
import os
import time

from django.core.mail.backends.base import BaseEmailBackend


class RecordingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        path = os.environ["ALERTS_TEST_MAILBOX"]
        mode, _, at = os.environ.get("ALERTS_TEST_BLOCK", "").partition(":")
        for message in email_messages:
            count = 0
            if os.path.exists(path):
                with open(path) as f:
                    count = sum(1 for _ in f)
            if mode == "before" and count + 1 == int(at):
                self._wait_to_be_killed(path)
            with open(path, "a") as f:
                f.write(json.dumps({"to": message.to, "subject": message.subject,
                                    "message_id": message.extra_headers.get("Message-ID")}) + "\n")  # fmt: skip
                f.flush()
                os.fsync(f.fileno())
            if mode == "after" and count + 1 == int(at):
                self._wait_to_be_killed(path)
        return len(email_messages)

    @staticmethod
    def _wait_to_be_killed(path):
        with open(path + ".blocked", "w") as f:
            f.write(str(os.getpid()))
        while True:  # the test sends SIGKILL; nothing here ever returns
            time.sleep(0.05)
