"""LogStream's reading of timestamped lines: what a reopened stream shows again is skipped by its timestamp,
lines that share the last timestamp are counted, and a line without a timestamp is shown as it is."""

from __future__ import annotations

from hubtui.kube.detail import LogStream, _stamp_key


def stream() -> LogStream:
    return LogStream(None, "ns", "pod", "c", tail=10, on_lines=lambda lines: None,  # type: ignore[arg-type]
                     on_end=lambda error: None)


def test_stamps_compare_as_strings_whatever_their_precision():
    assert _stamp_key("2026-11-27T16:20:00.5Z") == "2026-11-27T16:20:00.500000000Z"
    assert _stamp_key("2026-11-27T16:20:00Z") == "2026-11-27T16:20:00.000000000Z"
    assert _stamp_key("2026-11-27T16:20:00.5Z") > _stamp_key("2026-11-27T16:20:00.123456789Z")
    assert _stamp_key("hello") is None and _stamp_key("2026-11-27") is None
    # a node that keeps local time: the same instant as in UTC
    assert _stamp_key("2026-11-27T18:20:00.5+02:00") == _stamp_key("2026-11-27T16:20:00.5Z")


def test_a_reopened_stream_shows_only_what_it_has_not_shown():
    s = stream()
    first, _ = s._new_lines([b"2026-11-27T16:20:00.1Z one", b"2026-11-27T16:20:00.2Z two",
                             b"2026-11-27T16:20:00.2Z two again"], 0)
    assert first == ["one", "two", "two again"]
    # reopened from a few seconds back: the server sends them again, then what came while it was closed; after
    # the first new line, a line stamped earlier (stderr behind stdout) is shown too
    s._replaying = True
    again, skip = s._new_lines([b"2026-11-27T16:19:58Z older", b"2026-11-27T16:20:00.1Z one",
                                b"2026-11-27T16:20:00.2Z two", b"2026-11-27T16:20:00.2Z two again",
                                b"2026-11-27T16:20:00.2Z two, third of its stamp",
                                b"2026-11-27T16:20:01Z three", b"2026-11-27T16:20:00.9Z late stderr"],
                               s._at_last)
    assert again == ["two, third of its stamp", "three", "late stderr"] and skip == 0


def test_a_line_without_a_timestamp_is_shown_as_it_is():
    shown, _ = stream()._new_lines([b"no stamp here", "2026-11-27T16:20:00Z caf\u00e9".encode()], 0)
    assert shown == ["no stamp here", "caf\u00e9"]
