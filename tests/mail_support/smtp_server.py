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

TLS and login (tests/mail_tls.rs):
  --tls starttls   offer STARTTLS and require it before MAIL (--cert, --key)
  --tls implicit   TLS from the first byte, as on port 465 (--cert, --key)
  --auth USER:PASSWORD
                   require a login (AUTH PLAIN or LOGIN); each attempt is appended to
                   auth.jsonl in --dir as {"login": ..., "ok": ...} (never the password).
                   Without --tls the server offers AUTH in the clear, as a misconfigured
                   server would, to prove the client never logs in unencrypted.
  --log-bytes FILE append every byte received before TLS starts (all of them without
                   --tls) to FILE, to check what crossed the wire in the clear

Prints "READY <port>" when listening; exits by itself after --max-seconds.
Needs aiosmtpd: `scripts/install-deps --test` puts it in the project's virtual environment
(.venv), whose Python the tests run this with.
"""
import argparse
import asyncio
import json
import os
import sys

try:
    from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword
except ImportError:  # pragma: no cover
    print("aiosmtpd is missing: run scripts/install-deps --test (it makes the project's .venv)", file=sys.stderr)
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


class LoggingSMTP(SMTP):
    """Appends every byte received in the clear to --log-bytes."""

    log_path = None
    implicit = False

    def data_received(self, data):
        if self.log_path and not self.implicit and self._tls_protocol is None:
            with open(self.log_path, "ab") as f:
                f.write(data)
        super().data_received(data)


def make_authenticator(args):
    user, _, password = args.auth.partition(":")

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == user.encode()
            and auth_data.password == password.encode()
        )
        login = auth_data.login.decode("utf-8", "replace") if isinstance(auth_data, LoginPassword) else None
        with open(os.path.join(args.dir, "auth.jsonl"), "a") as f:
            f.write(json.dumps({"mechanism": mechanism, "login": login, "ok": ok}) + "\n")
        # handled=False: aiosmtpd then answers a refusal with 535 itself.
        return AuthResult(success=ok, handled=False)

    return authenticator


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
    p.add_argument("--tls", choices=["none", "starttls", "implicit"], default="none")
    p.add_argument("--cert", default="")
    p.add_argument("--key", default="")
    p.add_argument("--auth", default="")
    p.add_argument("--log-bytes", default="")
    args = p.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    loop = asyncio.get_running_loop()
    if args.fault == "silent":
        server = await asyncio.start_server(silent, "127.0.0.1", args.port)
    else:
        handler = Handler(args)
        ctx = None
        if args.tls != "none":
            import ssl

            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(args.cert, args.key)
        LoggingSMTP.log_path = args.log_bytes or None
        LoggingSMTP.implicit = args.tls == "implicit"
        kw = dict(hostname="sink.test", decode_data=False, enable_SMTPUTF8=False)
        if args.tls == "starttls":
            kw.update(tls_context=ctx, require_starttls=True)
        if args.auth:
            kw.update(
                authenticator=make_authenticator(args),
                auth_required=True,
                # On implicit TLS the whole connection is encrypted; without --tls the
                # server deliberately offers AUTH in the clear (see --auth above).
                auth_require_tls=args.tls == "starttls",
            )
        server = await loop.create_server(
            lambda: LoggingSMTP(handler, **kw),
            "127.0.0.1",
            args.port,
            ssl=ctx if args.tls == "implicit" else None,
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
