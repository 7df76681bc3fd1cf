"""The soak's mail backend: every message the workers send is one JSON line in SOAK_MAIL_LOG.

A line is written with one O_APPEND write, so lines from several worker processes never
interleave; `soak_data.verify` counts them to prove no mail went out twice.
"""

import hashlib
import json
import os

from django.core.mail.backends.base import BaseEmailBackend


class RecordingBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        path = os.environ["SOAK_MAIL_LOG"]
        for message in email_messages:
            line = json.dumps(
                {
                    "to": message.to,
                    "subject": message.subject,
                    "body": hashlib.sha256(str(message.body).encode()).hexdigest(),
                    "pid": os.getpid(),
                }
            )
            descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(descriptor, (line + "\n").encode())
            finally:
                os.close(descriptor)
        return len(email_messages)
