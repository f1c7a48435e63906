"""Where a file's audio stream lies, per format: what a tag write must leave.

Each ``*_stream(f, size)`` gives, for an open file of ``size`` bytes, the
byte ranges ``(start, end)`` (or the byte chunks) of its audio stream in
file order, tags left out; :func:`stream_digest` hashes them.  A tag write
that left the audio alone leaves the digest equal.  The tag formats of
:mod:`skgenre.library.formats` name theirs in their table.
"""

import hashlib
import os
import struct

__all__ = [
    "asf_stream",
    "id3_stream",
    "iff_stream",
    "mp4_stream",
    "stream_digest",
    "vorbis_stream",
]

_CHUNK = 1 << 20


def _syncsafe(data):
    value = 0
    for byte in data:
        value = (value << 7) | (byte & 0x7F)
    return value


def id3_stream(f, size):
    """MP3: the bytes after the ID3v2 tag and before an ID3v1 tag (which
    mutagen rewrites from the v2 tag)."""
    start, end = 0, size
    head = f.read(10)
    if head[:3] == b"ID3" and len(head) == 10:
        length = _syncsafe(head[6:10])
        start = 10 + length + (10 if head[5] & 0x10 else 0)
    if size - start >= 128:
        f.seek(size - 128)
        if f.read(3) == b"TAG":
            end = size - 128
    return [(start, end)]


def iff_stream(f, size):
    """WAV (RIFF, RF64) and AIFF: every chunk but the ID3 chunk."""
    head = f.read(12)
    little = head[:4] in (b"RIFF", b"RF64")
    ranges = []
    offset = 12
    while offset + 8 <= size:
        f.seek(offset)
        chunk = f.read(8)
        length = struct.unpack("<I" if little else ">I", chunk[4:8])[0]
        if chunk[:4].strip().lower() != b"id3":
            ranges.append((offset, min(size, offset + 8 + length)))
        offset += 8 + length + (length & 1)
    return ranges


def vorbis_stream(f, size):
    """FLAC: STREAMINFO and the frames; Ogg: the packets of each logical
    stream but its comment header (mutagen renumbers pages, so bytes alone
    would differ)."""
    if f.read(4) == b"fLaC":
        return _flac_stream(f, size)
    return _ogg_stream(f)


def _flac_stream(f, size):
    ranges, offset, last = [], 4, False
    while not last and offset + 4 <= size:
        f.seek(offset)
        header = f.read(4)
        last = bool(header[0] & 0x80)
        length = int.from_bytes(header[1:4], "big")
        if header[0] & 0x7F == 0:  # STREAMINFO: what the decoder needs
            ranges.append((offset, offset + 4 + length))
        offset += 4 + length
    return [*ranges, (offset, size)]


def _ogg_stream(f):
    from mutagen.ogg import OggPage

    f.seek(0)
    pages = {}
    while True:
        try:
            page = OggPage(f)
        except EOFError:
            break
        pages.setdefault(page.serial, []).append(page)
    chunks = []
    for serial in sorted(pages):
        packets = OggPage.to_packets(pages[serial])
        chunks.extend(p for k, p in enumerate(packets) if k != 1)
    return chunks


def mp4_stream(f, size):
    """MP4/M4A: the ``mdat`` atoms."""
    from mutagen.mp4 import Atoms

    return [
        (atom.offset, atom.offset + atom.length)
        for atom in Atoms(f).atoms
        if atom.name == b"mdat"
    ]


def asf_stream(f, size):
    """WMA: everything after the Header Object (its GUID, then its 64-bit
    size): the data and index objects."""
    header = f.read(24)
    return [(struct.unpack("<Q", header[16:24])[0], size)]


def stream_digest(path, stream):
    """SHA-256 of a file's audio stream.

    Parameters
    ----------
    path : str
    stream : callable
        One of this module's ``*_stream`` functions, for the file's format.

    Returns
    -------
    digest : str
    """
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        for part in stream(f, size):
            if isinstance(part, bytes):
                digest.update(part)
                continue
            start, end = part
            f.seek(start)
            while start < end:
                block = f.read(min(_CHUNK, end - start))
                if not block:
                    break
                digest.update(block)
                start += len(block)
    return digest.hexdigest()
