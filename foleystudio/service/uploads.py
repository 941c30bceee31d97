"""A job's upload: multipart/form-data streamed straight to the job's folder, then probed and held to the limits.

The body is parsed as it arrives (python-multipart's streaming parser): the video part is
written to disk chunk by chunk, never held whole in memory, and refused as soon as it
passes the size limit. What the file is comes from probing it, never from its name; the
name is kept only to name the downloads, and a name that is a path is refused.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

from foleystudio.errors import InputError
from foleystudio.media.probe import VideoInfo, probe_video
from foleystudio.service.settings import Settings

FILE_FIELD = "video"
MAX_FIELD_BYTES = 4096  # an option's value; anything longer is not an option
MAX_FIELDS = 32


class Refused(Exception):
    """A request the service will not take: an HTTP status and one line that says why."""

    def __init__(self, status: int, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers


class _Form:
    def __init__(self, target: Path, max_bytes: int, limit_mb: float):
        self.target, self.max_bytes, self.limit_mb = target, max_bytes, limit_mb
        self.fields: dict[str, str] = {}
        self.filename: str | None = None
        self.size = 0
        self.out = None
        self._headers: dict[bytes, bytes] = {}
        self._field = self._value = b""
        self._name: str | None = None
        self._is_file = False
        self._data = bytearray()
        self.ended = False

    def callbacks(self) -> dict:
        return {"on_part_begin": self.part_begin, "on_header_field": self.header_field,
                "on_header_value": self.header_value, "on_header_end": self.header_end,
                "on_headers_finished": self.headers_finished, "on_part_data": self.part_data,
                "on_part_end": self.part_end, "on_end": self.end}

    def part_begin(self) -> None:
        self._headers, self._field, self._value, self._data = {}, b"", b"", bytearray()

    def header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def header_end(self) -> None:
        self._headers[self._field.lower()] = self._value
        self._field, self._value = b"", b""

    def headers_finished(self) -> None:
        _, params = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._name = params.get(b"name", b"").decode("utf-8", "replace")
        self._is_file = b"filename" in params
        if self._name == FILE_FIELD:
            if self.out is not None:
                raise Refused(400, "send one video per job")
            self.filename = params.get(b"filename", b"").decode("utf-8", "replace")
            check_filename(self.filename)
            self.out = open(self.target, "wb")
        elif self._is_file:
            raise Refused(400, f"unexpected file field {self._name!r}; send the video as {FILE_FIELD!r}")
        elif len(self.fields) >= MAX_FIELDS:
            raise Refused(400, f"too many form fields (at most {MAX_FIELDS})")

    def part_data(self, data: bytes, start: int, end: int) -> None:
        if self._name == FILE_FIELD:
            self.size += end - start
            if self.size > self.max_bytes:
                raise Refused(413, f"the upload is over the {self.limit_mb:g} MB limit (FOLEY_MAX_UPLOAD_MB)")
            self.out.write(data[start:end])
        else:
            self._data += data[start:end]
            if len(self._data) > MAX_FIELD_BYTES:
                raise Refused(400, f"form field {self._name!r} is over {MAX_FIELD_BYTES} bytes")

    def part_end(self) -> None:
        if self._name != FILE_FIELD:
            self.fields[self._name] = self._data.decode("utf-8", "replace")

    def end(self) -> None:
        self.ended = True

    def close(self) -> None:
        if self.out is not None and not self.out.closed:
            self.out.flush()
            os.fsync(self.out.fileno())
            self.out.close()


def check_filename(filename: str) -> None:
    """A file name is a name: no folders, no parent references, no control characters."""
    if any(c in filename for c in "/\\\0") or filename.strip() in (".", "..") or \
            any(ord(c) < 32 for c in filename):
        raise Refused(400, f"file name {filename[:80]!r} is a path; send a plain file name")


async def receive(request: Request, target: Path, settings: Settings) -> tuple[dict[str, str], str]:
    """Stream the form's video into `target`; (the other fields, the upload's file name)."""
    content_type, params = parse_options_header(request.headers.get("content-type"))
    if content_type != b"multipart/form-data" or b"boundary" not in params:
        raise Refused(415, f"send the video as multipart/form-data with a {FILE_FIELD!r} file field")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > settings.max_upload_bytes + 1024 * 1024:
        raise Refused(413, f"the upload is over the {settings.max_upload_mb:g} MB limit (FOLEY_MAX_UPLOAD_MB)")
    form = _Form(target, settings.max_upload_bytes, settings.max_upload_mb)
    parser = MultipartParser(params[b"boundary"], form.callbacks())
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
        form.close()
    except FormParserError as exc:
        raise Refused(400, f"the form could not be read ({exc})") from None
    except ClientDisconnect:
        raise Refused(400, "the upload stopped before it was complete") from None
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise Refused(507, "the server's disk is full: the upload was not stored; try again later") from None
        raise
    finally:
        if form.out is not None:
            form.out.close()
    if not form.ended:  # the body stopped before the form's closing boundary: the file may be cut short
        raise Refused(400, "the upload stopped before it was complete; send it again")
    if form.out is None or form.size == 0:
        raise Refused(422, f"no video: send the file in the {FILE_FIELD!r} field")
    return form.fields, form.filename or "video"


def check_video(path: Path, name: str, settings: Settings) -> VideoInfo:
    """Probe the upload (what it is comes from its content) and hold it to the service's limits."""
    try:
        info = probe_video(path)
    except InputError as exc:
        raise Refused(422, str(exc).replace(str(path), name)) from None
    width, height = info.display_size
    if info.duration_s > settings.max_duration_s:
        raise Refused(422, f"{name}: the video is {info.duration_s:.1f} s long; the limit is "
                           f"{settings.max_duration_s:g} s (FOLEY_MAX_DURATION_S)")
    if max(width, height) > settings.max_side_px:
        raise Refused(422, f"{name}: the frame is {width}x{height}; the limit is {settings.max_side_px} px "
                           f"a side (FOLEY_MAX_SIDE_PX)")
    if float(info.fps) > settings.max_fps:
        raise Refused(422, f"{name}: the frame rate is {float(info.fps):.2f} fps; the limit is "
                           f"{settings.max_fps:g} fps (FOLEY_MAX_FPS)")
    return info
