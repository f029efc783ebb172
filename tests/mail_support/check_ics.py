#!/usr/bin/env python3
"""Reads the calendar file of each message given (the `invite.ics` attachment) with the
`icalendar` package, as a calendar program would, and prints what a test checks as JSON:
one object per file. Times are given in the time zone named by the first argument.

usage: check_ics.py TZ FILE.eml...
"""
import email
import email.policy
import json
import sys
from zoneinfo import ZoneInfo

import icalendar


def local(prop, tz):
    if prop is None:
        return None
    dt = prop.dt
    if dt.tzinfo is None:
        raise SystemExit(f"a floating time ({dt}): a calendar could not place it")
    return dt.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def main():
    tz = ZoneInfo(sys.argv[1])
    out = []
    for path in sys.argv[2:]:
        msg = email.message_from_bytes(open(path, "rb").read(), policy=email.policy.default)
        found = []
        for part in msg.walk():
            if part.is_multipart() or part.get_filename() != "invite.ics":
                continue
            raw = part.get_payload(decode=True)
            cal = icalendar.Calendar.from_ical(raw)
            events = [c for c in cal.walk("VEVENT")]
            for ev in events:
                found.append({
                    "content_type": part.get_content_type(),
                    "method": str(cal.get("METHOD")),
                    "version": str(cal.get("VERSION")),
                    "prodid": str(cal.get("PRODID")),
                    "uid": str(ev.get("UID")),
                    "sequence": int(ev.get("SEQUENCE", 0)),
                    "status": str(ev.get("STATUS")),
                    "dtstamp": local(ev.get("DTSTAMP"), tz),
                    "start": local(ev.get("DTSTART"), tz),
                    "end": local(ev.get("DTEND"), tz),
                    "summary": str(ev.get("SUMMARY")),
                    "location": None if ev.get("LOCATION") is None else str(ev.get("LOCATION")),
                    "description": str(ev.get("DESCRIPTION")),
                    "events_in_file": len(events),
                })
        out.append({
            "path": path,
            "to": str(msg["To"]),
            "subject": str(msg["Subject"]),
            "language": str(msg["Content-Language"]),
            "message_id": str(msg["Message-ID"]),
            "text": (msg.get_body(("plain",)) or msg).get_content(),
            "ics": found,
        })
    json.dump(out, sys.stdout)


main()
