"""Events to bytes and back with orjson, in exactly the JSON that eventsourcing writes.

eventsourcing's JSONTranscoder drives Python's json module, which calls back into
Python for every UUID, Decimal and datetime; decoding and encoding events was a
fifth of the worker's time. orjson is faster, but serialises UUIDs and datetimes
itself, as bare strings that would read back as strings: so this transcoder tags
those values with the registered transcodings first, as JSONTranscoder does, and
writes the same bytes. Events stored by either transcoder read with the other.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, SafeUUID

import orjson
from eventsourcing.persistence import DatetimeAsISO, DecimalAsStr, JSONTranscoder, Transcoding, UUIDAsHex

PLAIN = (str, int, bool, float, type(None))
READ_AS_IS = {str, int, bool, type(None)}

# What eventsourcing's own transcodings of the commonest values do, without the
# method calls around it (each event holds a timestamp, most ids and amounts too).
FAST_ENCODERS: dict[type[Transcoding], Callable[[Any], str]] = {
    UUIDAsHex: lambda obj: obj.hex,
    DecimalAsStr: str,
    DatetimeAsISO: lambda obj: obj.isoformat(),
}


@functools.lru_cache(maxsize=2**15)
def uuid_from_hex(text: str) -> UUID:
    """UUID(text), made without UUID.__init__'s parsing when text is 32 hex digits.

    Cached: the same ids come back again and again (an account's, a saga's, in each
    event about it and in each notification's row), and a UUID is immutable, so one
    object serves every reading of the same text. Any spelling UUID reads is read
    (the database's 36 characters, say); an error is UUID's own and is not cached."""
    if len(text) != 32 or not text.isalnum():
        return UUID(text)
    uuid = object.__new__(UUID)
    object.__setattr__(uuid, "int", int(text, 16))  # a ValueError for letters beyond f, as UUID's
    object.__setattr__(uuid, "is_safe", SafeUUID.unknown)
    return uuid


FAST_DECODERS: dict[type[Transcoding], Callable[[str], Any]] = {
    UUIDAsHex: uuid_from_hex,
    DecimalAsStr: Decimal,
    DatetimeAsISO: datetime.fromisoformat,
}


class OrjsonTranscoder(JSONTranscoder):
    def __init__(self) -> None:
        super().__init__()
        # For exactly eventsourcing's UUID, Decimal and datetime transcodings: a value's
        # tag and its text, and a tagged text's value (None: the transcoding's own methods).
        self.fast_encoders: dict[type, tuple[str, Callable[[Any], str]]] = {}
        self.fast_decoders: dict[str, Callable[[str], Any]] = {}

    def register(self, transcoding: Transcoding) -> None:
        super().register(transcoding)
        encode = FAST_ENCODERS.get(type(transcoding))
        if encode is not None:
            self.fast_encoders[transcoding.type] = (transcoding.name, encode)
            self.fast_decoders[transcoding.name] = FAST_DECODERS[type(transcoding)]
        else:
            self.fast_encoders.pop(transcoding.type, None)
            self.fast_decoders.pop(transcoding.name, None)

    def encode(self, obj: Any) -> bytes:
        try:
            return orjson.dumps(self.tagged(obj))
        except orjson.JSONEncodeError:
            return super().encode(obj)  # what orjson cannot write (an int beyond 64 bits), json can

    def decode(self, data: bytes) -> Any:
        try:
            return self.untagged(orjson.loads(data))
        except ReadAsFloat:
            # orjson reads an integer beyond 64 bits as a float; events hold no floats
            # (money is Decimal), so a float means: let json read it exactly.
            return super().decode(data)

    def tagged(self, obj: Any) -> Any:
        kind = type(obj)
        if kind in PLAIN:
            return obj
        if kind is dict:
            return {key: self.tagged(value) for key, value in obj.items()}
        if kind is list or kind is tuple:
            return [self.tagged(value) for value in obj]
        fast = self.fast_encoders.get(kind)
        if fast is not None:
            return {"_type_": fast[0], "_data_": fast[1](obj)}
        transcoding = self.types.get(kind)
        if transcoding is None:
            return super().encode(obj)  # raises eventsourcing's own error for an unregistered type
        return {"_type_": transcoding.name, "_data_": self.tagged(transcoding.encode(obj))}

    def untagged(self, obj: Any) -> Any:
        kind = type(obj)
        if kind is dict:
            if len(obj) == 2 and "_type_" in obj and "_data_" in obj:
                data = obj["_data_"]
                if type(data) is str:
                    fast = self.fast_decoders.get(obj["_type_"])
                    if fast is not None:
                        return fast(data)
                transcoding = self.names.get(obj["_type_"])
                if transcoding is not None:
                    return transcoding.decode(data if type(data) is str else self.untagged(data))
                return super().decode(orjson.dumps(obj))  # raises eventsourcing's own error
            untagged = self.untagged
            return {
                key: value if type(value) in READ_AS_IS else untagged(value) for key, value in obj.items()
            }
        if kind is list:
            return [self.untagged(value) for value in obj]
        if kind is float:
            raise ReadAsFloat
        return obj


class ReadAsFloat(Exception):
    """A number orjson read as a float."""
