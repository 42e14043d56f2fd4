"""A minimal reader for the PDFs lendapp renders: embedded fonts and the text of each page.

The project has no PDF parser among its dependencies, so the tests decode
what fpdf2 writes: Flate-compressed streams, Type0 fonts with a ToUnicode
map of two-byte codes, and text shown with ``Tj`` and ``TJ``. It is not a
general PDF reader.
"""

from __future__ import annotations

import re
import zlib

_STREAM = re.compile(rb"(\d+) 0 obj\s*<<(.*?)>>\s*stream\r?\n(.*?)\r?\nendstream", re.S)
_BFCHAR = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>")
_BFRANGE = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>")
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f", b"(": b"(", b")": b")", b"\\": b"\\"}


def streams(data: bytes) -> list[tuple[bytes, bytes]]:
    """Return (dictionary, decoded content) of every stream object."""
    found = []
    for match in _STREAM.finditer(data):
        head, body = match.group(2), match.group(3)
        if b"/FlateDecode" in head:
            body = zlib.decompress(body)
        found.append((head, body))
    return found


def _to_unicode(data: bytes) -> dict[int, str]:
    mapping: dict[int, str] = {}
    for _, body in streams(data):
        if b"beginbfchar" not in body and b"beginbfrange" not in body:
            continue
        for section in re.findall(rb"beginbfchar(.*?)endbfchar", body, re.S):
            for code, text in _BFCHAR.findall(section):
                mapping[int(code, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be")
        for section in re.findall(rb"beginbfrange(.*?)endbfrange", body, re.S):
            for low, high, start in _BFRANGE.findall(section):
                for offset in range(int(high, 16) - int(low, 16) + 1):
                    mapping[int(low, 16) + offset] = chr(int(start, 16) + offset)
    return mapping


def _literal_strings(operand: bytes) -> list[bytes]:
    """Split the literal strings out of a TJ array or a Tj operand, undoing escapes."""
    strings, index = [], 0
    while index < len(operand):
        if operand[index:index + 1] != b"(":
            index += 1
            continue
        depth, index, current = 1, index + 1, bytearray()
        while depth:
            char = operand[index:index + 1]
            if char == b"\\":
                following = operand[index + 1:index + 2]
                if following.isdigit():
                    digits = re.match(rb"[0-7]{1,3}", operand[index + 1:index + 4]).group(0)
                    current += bytes([int(digits, 8)])
                    index += 1 + len(digits)
                    continue
                current += _ESCAPES.get(following, following)
                index += 2
                continue
            if char == b"(":
                depth += 1
            elif char == b")":
                depth -= 1
                if not depth:
                    break
            current += char
            index += 1
        strings.append(bytes(current))
        index += 1
    return strings


def extract_text(data: bytes) -> str:
    """Return the text of every page, one line per text object."""
    mapping = _to_unicode(data)
    lines = []
    for _, body in streams(data):
        for text_object in re.findall(rb"BT(.*?)ET", body, re.S):
            line = ""
            for operand in re.findall(rb"(\[.*?\]\s*TJ|\(.*?\)\s*Tj)", text_object, re.S):
                for raw in _literal_strings(operand):
                    codes = [int.from_bytes(raw[i:i + 2], "big") for i in range(0, len(raw) - 1, 2)]
                    line += "".join(mapping.get(code, "\ufffd") for code in codes)
            if line:
                lines.append(line)
    return "\n".join(lines)


def embedded_fonts(data: bytes) -> list[str]:
    """Return the BaseFont names of fonts whose descriptor embeds a font file."""
    names = []
    for match in re.finditer(rb"/FontName /([^\s/]+)(.*?)>>", data, re.S):
        window = data[max(0, match.start() - 600):match.end()]
        if re.search(rb"/FontFile[23]? \d+ 0 R", window):
            names.append(match.group(1).decode())
    return names
