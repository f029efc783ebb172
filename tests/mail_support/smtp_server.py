#!/usr/bin/env python3
"""A loopback SMTP server for Goalpost's mail tests, built on aiosmtpd, that can misbehave.

Every message it accepts (and every message it receives before a fault that hides the
outcome from the client) is stored as NNNN.eml with NNNN.json (envelope) in --dir, so a
test can check what arrived and for whom.

Faults (--fault), each applied to the first --times transactions it matches (--only-rcpt
limits it to one recipient):
  rcpt451      451 at RCPT TO
  data421 / data451 / data552 / data554
               that reply after the message data (nothing stored)
  drop         store the message, then close the connection without replying
  close        store the message, reply 250, then close the connection
  slow         store the message, then reply 250 only after --delay seconds
  silent       accept TCP connections and never greet (no SMTP at all)
  none         behave

Prints "READY <port>" when listening; exits by itself after --max-seconds.
Install: python3 -m pip install aiosmtpd
"""
import argparse
import asyncio
import json
import os
import sys

try:
    from aiosmtpd.smtp import SMTP
except ImportError:  # pragma: no cover
    print("aiosmtpd is missing: install it with `python3 -m pip install aiosmtpd`", file=sys.stderr)
    sys.exit(3)


class Handler:
    def __init__(self, args):
        self.args = args
        self.left = args.times
        self.count = 0

    def _matches(self, envelope_rcpts):
        if self.left <= 0:
            return False
        if self.args.only_rcpt and self.args.only_rcpt not in envelope_rcpts:
            return False
        return True

    def _store(self, envelope):
        self.count += 1
        base = os.path.join(self.args.dir, f"{self.count:04d}")
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.replace(base + ".eml.tmp", base + ".eml")
        with open(base + ".json", "w") as f:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos}, f)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.args.fault == "rcpt451" and self._matches([address]):
            self.left -= 1
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        fault = self.args.fault
        if fault in ("data421", "data451", "data552", "data554") and self._matches(envelope.rcpt_tos):
            self.left -= 1
            code = fault[4:]
            text = {
                "421": "4.3.2 Service shutting down",
                "451": "4.3.0 Local error in processing",
                "552": "5.2.2 Mailbox full",
                "554": "5.7.1 Message rejected",
            }[code]
            if code == "421":
                # Say it, then close, as a server shutting down does.
                await server.push(f"{code} {text}")
                server.transport.close()
                return "421 closed"
            return f"{code} {text}"
        if fault == "drop" and self._matches(envelope.rcpt_tos):
            self.left -= 1
            self._store(envelope)
            server.transport.close()
            return "250 never seen"
        if fault == "close" and self._matches(envelope.rcpt_tos):
            # Accept, then close the connection as an idle-timeout would.
            self.left -= 1
            self._store(envelope)
            await server.push("250 OK")
            server.transport.close()
            return "250 closed"
        if fault == "slow" and self._matches(envelope.rcpt_tos):
            self.left -= 1
            self._store(envelope)
            await asyncio.sleep(self.args.delay)
            return "250 OK, but late"
        self._store(envelope)
        return "250 OK"


async def silent(reader, writer):
    try:
        await reader.read()  # until the client gives up
    finally:
        writer.close()


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--fault", default="none")
    p.add_argument("--times", type=int, default=1)
    p.add_argument("--only-rcpt", default="")
    p.add_argument("--delay", type=float, default=5.0)
    p.add_argument("--max-seconds", type=float, default=120.0)
    args = p.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    loop = asyncio.get_running_loop()
    if args.fault == "silent":
        server = await asyncio.start_server(silent, "127.0.0.1", args.port)
    else:
        handler = Handler(args)
        server = await loop.create_server(
            lambda: SMTP(handler, hostname="sink.test", decode_data=False, enable_SMTPUTF8=False),
            "127.0.0.1",
            args.port,
        )
    port = server.sockets[0].getsockname()[1]
    print(f"READY {port}", flush=True)
    try:
        await asyncio.wait_for(asyncio.sleep(args.max_seconds), args.max_seconds + 1)
    finally:
        server.close()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
