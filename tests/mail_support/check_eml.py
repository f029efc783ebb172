#!/usr/bin/env python3
"""Parses messages with Python's standard `email` package and prints what a test checks,
as JSON: one object per file given on the command line."""
import email
import html as htmllib
import email.policy
import json
import re
import sys


def tree(part):
    if part.is_multipart():
        return {"type": part.get_content_type(), "parts": [tree(p) for p in part.iter_parts()]}
    return {"type": part.get_content_type()}


def main():
    out = []
    for path in sys.argv[1:]:
        raw = open(path, "rb").read()
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        plain = html = None
        images = []
        for part in msg.walk():
            if part.is_multipart():
                continue
            ct = part.get_content_type()
            if ct == "text/plain" and plain is None:
                plain = part.get_content()
            elif ct == "text/html" and html is None:
                html = part.get_content()
            elif ct.startswith("image/"):
                images.append({
                    "cid": (part["Content-ID"] or "").strip("<>"),
                    "filename": part.get_filename(),
                    "disposition": part.get_content_disposition(),
                    "bytes": len(part.get_payload(decode=True) or b""),
                })
        defects = [str(d) for p in msg.walk() for d in p.defects]
        out.append({
            "path": path,
            "size": len(raw),
            "ascii": all(b < 128 for b in raw),
            "from": str(msg["From"]),
            "from_addr": msg["From"].addresses[0].addr_spec if msg["From"] else None,
            "from_name": msg["From"].addresses[0].display_name if msg["From"] else None,
            "to": [a.addr_spec for a in msg["To"].addresses] if msg["To"] else [],
            "to_name": [a.display_name for a in msg["To"].addresses] if msg["To"] else [],
            "cc": msg["Cc"], "bcc": msg["Bcc"],
            "reply_to": [a.addr_spec for a in msg["Reply-To"].addresses] if msg["Reply-To"] else [],
            "subject": str(msg["Subject"]),
            "raw_subject_header": re.search(rb"^Subject:(.*(?:\r\n[ \t].*)*)", raw, re.M).group(1).decode("ascii", "replace") if re.search(rb"^Subject:", raw, re.M) else None,
            "message_id": msg["Message-ID"],
            "date": msg["Date"],
            "content_language": msg["Content-Language"],
            "structure": tree(msg),
            "plain": plain,
            "html": html,
            "html_unescaped": htmllib.unescape(html or ""),
            "images": images,
            "html_cids": re.findall(r'src="cid:([^"]+)"', html or ""),
            "defects": defects,
        })
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
