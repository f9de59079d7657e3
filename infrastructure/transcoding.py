"""Events to bytes and back with orjson, in exactly the JSON that eventsourcing writes.

eventsourcing's JSONTranscoder drives Python's json module, which calls back into
Python for every UUID, Decimal and datetime; decoding and encoding events was a
fifth of the worker's time. orjson is faster, but serialises UUIDs and datetimes
itself, as bare strings that would read back as strings: so this transcoder tags
those values with the registered transcodings first, as JSONTranscoder does, and
writes the same bytes. Events stored by either transcoder read with the other.
"""

from __future__ import annotations

from typing import Any

import orjson
from eventsourcing.persistence import JSONTranscoder

PLAIN = (str, int, bool, float, type(None))
READ_AS_IS = {str, int, bool, type(None)}


class OrjsonTranscoder(JSONTranscoder):
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
        transcoding = self.types.get(kind)
        if transcoding is None:
            return super().encode(obj)  # raises eventsourcing's own error for an unregistered type
        return {"_type_": transcoding.name, "_data_": self.tagged(transcoding.encode(obj))}

    def untagged(self, obj: Any) -> Any:
        kind = type(obj)
        if kind is dict:
            if len(obj) == 2 and "_type_" in obj and "_data_" in obj:
                transcoding = self.names.get(obj["_type_"])
                if transcoding is not None:
                    data = obj["_data_"]
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
