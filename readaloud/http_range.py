"""Serving a stored file with HTTP Range support (seeking in <audio src>, podcast apps, resumed downloads)."""

import re

from django.http import HttpResponse, StreamingHttpResponse

CHUNK = 64 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def parse_range(header: str | None, size: int) -> tuple[int, int] | None | bool:
    """(start, end inclusive) for a single satisfiable range; None when absent or not understood (serve it all);
    False when unsatisfiable."""
    if not header:
        return None
    match = _RANGE.match(header.strip())
    if not match or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if first == "":
        length = int(last)
        if length == 0:
            return False
        return max(size - length, 0), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        return False
    return start, end


def _read(handle, start: int, length: int):
    try:
        handle.seek(start)
        while length > 0:
            block = handle.read(min(CHUNK, length))
            if not block:
                break
            length -= len(block)
            yield block
    finally:
        handle.close()


def ranged_file_response(request, storage, name: str, content_type: str, filename: str):
    size = storage.size(name)
    byte_range = parse_range(request.headers.get("Range"), size)
    if byte_range is False:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    start, end = byte_range or (0, size - 1)
    length = end - start + 1
    response = StreamingHttpResponse(_read(storage.open(name, "rb"), start, length), content_type=content_type,
                                     status=206 if byte_range else 200)
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    if byte_range:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    return response
