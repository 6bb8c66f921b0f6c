"""An SMTP server on 127.0.0.1 for Flatline's e2e tests: prints each message as a JSON line."""

import email
import email.policy
import json
import sys
import threading

from aiosmtpd.controller import Controller


class Record:
    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        print(
            json.dumps(
                {
                    "from": envelope.mail_from,
                    "to": envelope.rcpt_tos,
                    "subject": str(message["subject"]),
                    "content_type": message.get_content_type(),
                    "body": message.get_content(),
                }
            ),
            flush=True,
        )
        return "250 Message accepted"


port = int(sys.argv[1])
controller = Controller(Record(), hostname="127.0.0.1", port=port)
controller.start()
print(json.dumps({"ready": port}), flush=True)
threading.Event().wait()
