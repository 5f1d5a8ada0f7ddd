"""An SMTP sink for the API tests, from Debian's python3-aiosmtpd: it requires STARTTLS and a
login (user hylla, the password given), refuses recipients whose address starts with "refuse",
and prints each message it accepts as one JSON line on standard output.

    /usr/bin/python3 smtp_sink.py PORT CERT KEY PASSWORD
"""
import email
import email.policy
import json
import ssl
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

port, cert, key, password = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]


class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("refuse"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        print(json.dumps({
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "from": str(msg["From"]),
            "to": str(msg["To"]),
            "subject": str(msg["Subject"]),
            "message_id": str(msg["Message-ID"]),
            "content_type": msg.get_content_type(),
            "body": msg.get_content(),
            "tls": session.ssl is not None,
            "login": (session.auth_data.login.decode() if session.auth_data else None),
        }), flush=True)
        return "250 2.0.0 queued"


def authenticate(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword) and auth_data.login == b"hylla"
          and auth_data.password == password.encode())
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
context.load_cert_chain(cert, key)
controller = Controller(Handler(), hostname="127.0.0.1", port=port, tls_context=context,
                        require_starttls=True, authenticator=authenticate, auth_required=True)
controller.start()
print(json.dumps({"ready": port}), flush=True)
while True:  # until the test ends it with SIGTERM
    time.sleep(3600)
