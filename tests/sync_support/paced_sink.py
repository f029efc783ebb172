#!/usr/bin/env python3
"""A loopback SMTP sink for the sync kill test, built on aiosmtpd.

Each message is held for --delay seconds before the server answers, so that a client
killed at a random moment is often killed while it waits for the answer. A message counts
as accepted only if the connection is still open when the answer is due: it is then
recorded (one JSON line: envelope recipients, Message-ID, To, a digest of the body) and
answered 250. A message whose client died first is never recorded, as a real server that
never said 250 would not have taken it. Exits by itself after --max-seconds.
"""
import argparse
import asyncio
import email
import email.policy
import hashlib
import json
import os
import sys

try:
    from aiosmtpd.smtp import SMTP
except ImportError:  # pragma: no cover
    sys.exit("aiosmtpd is missing: run scripts/install-deps --test (it makes the project's .venv)")


class Paced:
    def __init__(self, args):
        self.args = args
        self.log = open(args.log, "a", buffering=1)

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.args.delay)
        if server.transport is None or server.transport.is_closing():
            return "451 client gone"
        raw = envelope.original_content or envelope.content
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        plain = msg.get_body(preferencelist=("plain",))
        self.log.write(json.dumps({
            "rcpt": envelope.rcpt_tos,
            "message_id": msg["Message-ID"],
            "to": [a.addr_spec for a in msg["To"].addresses] if msg["To"] else [],
            "cc": msg["Cc"], "bcc": msg["Bcc"],
            "text": plain.get_content() if plain else "",
            "sha": hashlib.sha256(raw).hexdigest(),
        }) + "\n")
        os.fsync(self.log.fileno())
        return "250 OK"


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--log", required=True)
    p.add_argument("--delay", type=float, default=0.05)
    p.add_argument("--max-seconds", type=float, default=600.0)
    args = p.parse_args()
    handler = Paced(args)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(handler, hostname="sink.local"), "127.0.0.1", 0)
    print(f"READY {server.sockets[0].getsockname()[1]}", flush=True)
    await asyncio.sleep(args.max_seconds)


if __name__ == "__main__":
    asyncio.run(main())
