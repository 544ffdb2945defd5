#!/usr/bin/env python3
"""Reference device for the connection-manager device link, written from docs/protocol.md alone.

It needs nothing but the Python 3 standard library (socket, struct, hmac, json, argparse) and is meant to be read:
the codec is the first half of the file, the connection logic the second. Section numbers (§) refer to
docs/protocol.md.

Typical uses:

  # connect, PING once, send one MSG, print the WELCOME, PONG and ACK as JSON lines, exit 0
  python3 docs/examples/device.py --appliance 127.0.0.1:7700 --device-id sensor-0001 --token TOKEN \\
      --ping-once --send hello

  # stay connected, keep the link alive, print and acknowledge messages from the appliance
  python3 docs/examples/device.py --device-id sensor-0001 --token TOKEN --stay 0 --reconnect

  # check this codec against the golden vectors, byte for byte
  python3 docs/examples/device.py --self-test-vectors control-protocol/src/test/resources/golden
"""

import argparse
import hashlib
import hmac
import json
import os
import random
import socket
import struct
import sys
import time

# ---------------------------------------------------------------------------------------------------------------------
# Wire constants (§3, §4)
# ---------------------------------------------------------------------------------------------------------------------

DEFAULT_PORT = 7700
HEADER_BYTES = 4
MAX_LENGTH_FIELD = 0xFFFFFF
DEFAULT_MAX_FRAME_SIZE = 1024 * 1024
PROTOCOL_VERSION = 1
HELLO_MAGIC = b"CM"
MAX_DEVICE_ID_BYTES = 128
MAX_CREDENTIAL_BYTES = 255
RESUME_TOKEN_BYTES = 16
HELLO_ON_DEMAND = 0x01  # §5.1 flags: the device operates on demand
HELLO_DIRECT_ADDRESS = 0x02  # §5.1 flags: a direct address follows the resume token
HELLO_DELIVERED_SEQ = 0x04  # §5.1 flags: the delivered downlink seq (u64) is the last field
HELLO_KNOWN_FLAGS = HELLO_ON_DEMAND | HELLO_DIRECT_ADDRESS | HELLO_DELIVERED_SEQ
WELCOME_RESUMED = 0x01  # §5.2 flags
WELCOME_STAY_CONNECTED = 0x02  # §5.2 flags: stay persistently connected (§6.11)

FRAME_TYPES = {
    0x01: "HELLO", 0x02: "WELCOME", 0x03: "REJECT", 0x04: "GOAWAY", 0x05: "PING",
    0x06: "PONG", 0x07: "MSG", 0x08: "ACK", 0x09: "CMD", 0x0A: "CMD_RESULT",
    0x20: "STREAM_OPEN", 0x21: "STREAM_OPEN_RESULT", 0x22: "STREAM_DATA", 0x23: "STREAM_WINDOW",
    0x24: "STREAM_CLOSE", 0x25: "STREAM_RESET", 0x26: "CONNECT_REQUEST", 0x27: "STREAM_ATTACH",
    0x30: "RPC_REQUEST", 0x31: "RPC_RESPONSE",
}
TYPE_CODES = {name: code for code, name in FRAME_TYPES.items()}
# The back-end control channel's types (§4, §14): never valid on a device link, refused as UNKNOWN_FRAME_TYPE.
RESERVED_TYPES = set(range(0x40, 0x47))
MAX_STREAM_TOKEN_BYTES = 32
STREAM_MODES = {0: "MULTIPLEXED", 1: "DATA_CONNECTION"}
STREAM_STATUSES = {0x00: "OK", 0x01: "NOT_EXPOSED", 0x02: "REFUSED", 0x03: "UNREACHABLE", 0x04: "TOO_MANY_STREAMS",
                   0x05: "UNKNOWN_SERVICE", 0x06: "NOT_SUPPORTED", 0x07: "FAILED", 0x08: "CANCELLED",
                   0x09: "FLOW_CONTROL_ERROR"}
RPC_STATUSES = {0x00: "OK", 0x01: "NO_HANDLER", 0x02: "ERROR", 0x03: "TIMEOUT"}

REASONS = {
    0x01: "PROTOCOL_ERROR", 0x02: "UNSUPPORTED_VERSION", 0x03: "BAD_CREDENTIALS", 0x04: "UNKNOWN_DEVICE",
    0x05: "FRAME_TOO_LARGE", 0x06: "HANDSHAKE_TIMEOUT", 0x07: "REPLACED", 0x08: "SHUTTING_DOWN",
    0x09: "OVERLOADED", 0x0A: "ADMIN_DISCONNECT", 0x0B: "SILENT", 0x0C: "UNEXPECTED_FRAME",
    0x0D: "INVALID_DEVICE_ID", 0x0E: "RATE_LIMITED", 0x0F: "REVOKED", 0x10: "INTERNAL_ERROR",
    0x11: "UNKNOWN_FRAME_TYPE", 0x12: "SESSION_EXPIRED",
}
PROTOCOL_ERROR, UNSUPPORTED_VERSION, FRAME_TOO_LARGE, INVALID_DEVICE_ID, UNKNOWN_FRAME_TYPE = 0x01, 0x02, 0x05, 0x0D, 0x11

OPCODES = {0x01: "SET_IDLE_AFTER", 0x02: "SET_SLEEP_AFTER", 0x03: "SET_KEEPALIVE", 0x04: "SET_ALWAYS_ACTIVE",
           0x05: "SLEEP_NOW"}
OPCODE_CODES = {name: code for code, name in OPCODES.items()}
STATUSES = {0x00: "OK", 0x01: "INVALID_VALUE", 0x02: "UNKNOWN_COMMAND", 0x03: "FAILED"}

CAP_CM_COMMANDS = 1 << 0
CAP_STREAMS = 1 << 1
CAP_RPC = 1 << 2
CAP_DATA_CONNECTIONS = 1 << 3

PING_BYTES = b"\x05\x00\x00\x00"
PONG_BYTES = b"\x06\x00\x00\x00"

# §5.1: code points a device id must not contain (Unicode Cc, Zs, Zl, Zp, plus the two slashes).
_FORBIDDEN_ID_CODE_POINTS = (
    set(range(0x00, 0x20)) | set(range(0x7F, 0xA0))
    | {0x20, 0xA0, 0x1680, 0x202F, 0x205F, 0x3000, 0x2028, 0x2029, ord("/"), ord("\\")}
    | set(range(0x2000, 0x200B))
)


class ProtocolViolation(Exception):
    """The peer broke the protocol; `reason` is the reason code to report."""

    def __init__(self, reason, detail):
        super().__init__("%s: %s" % (REASONS.get(reason, reason), detail))
        self.reason = reason
        self.detail = detail


def device_id_problem(device_id):
    """Why `device_id` (a str) is not a valid device id, or None when it is (§5.1)."""
    encoded = device_id.encode("utf-8", "surrogatepass")
    if not 1 <= len(encoded) <= MAX_DEVICE_ID_BYTES:
        return "device id must be 1..%d bytes of UTF-8, got %d" % (MAX_DEVICE_ID_BYTES, len(encoded))
    for ch in device_id:
        if ord(ch) in _FORBIDDEN_ID_CODE_POINTS or 0xD800 <= ord(ch) <= 0xDFFF:
            return "device id contains whitespace, control characters or slashes"
    return None


def _ipv4_problem(host):
    parts = host.split(".")
    if len(parts) != 4 or any(not p or len(p) > 3 or (len(p) > 1 and p[0] == "0") or int(p) > 255 for p in parts):
        return "%r is not an IPv4 address (four numbers 0..255, no leading zeros)" % host
    return None


def direct_address_problem(text):
    """Why `text` (a str) is not a direct address, or None when it is (§5.1): HOST, HOST:PORT, [IPV6] or [IPV6]:PORT."""
    if not 1 <= len(text) <= 255:
        return "direct address must be 1..255 bytes"
    port = None
    if text.startswith("["):
        host, close, after = text[1:].partition("]")
        if not close:
            return "no closing ']'"
        if after:
            if not after.startswith(":"):
                return "expected ':PORT' after ']'"
            port = after[1:]
        if ":" not in host or any(c not in "0123456789abcdefABCDEF:." for c in host):
            return "%r is not an IPv6 address" % host
        try:
            socket.inet_pton(socket.AF_INET6, host)
        except (OSError, ValueError):
            return "%r is not an IPv6 address" % host
    else:
        if text.count(":") > 1:
            return "write an IPv6 address in brackets"
        host, colon, port = text.partition(":")
        port = port if colon else None
        if not host:
            return "no host"
        if all(c in "0123456789." for c in host):
            problem = _ipv4_problem(host)
            if problem:
                return problem
        else:
            labels = host.split(".")
            if len(host) > 253 or any(
                    not 1 <= len(label) <= 63 or label[0] == "-" or label[-1] == "-"
                    or any(c not in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-" for c in label)
                    for label in labels):
                return "%r is not a host name (dot-separated labels of letters, digits, inner hyphens)" % host
    if port is not None:
        if not port or len(port) > 5 or port[0] == "0" or any(c not in "0123456789" for c in port) \
                or int(port) > 65535:
            return "port must be 1..65535"
    return None


def fleet_signed_token(fleet_key, device_id):
    """§8: lowercase hex of HMAC-SHA256(fleet key, UTF-8 device id), as the 64 ASCII bytes of the credential."""
    return hmac.new(fleet_key, device_id.encode("utf-8"), hashlib.sha256).hexdigest().encode("ascii")


# ---------------------------------------------------------------------------------------------------------------------
# Codec (§5). A frame is a dict: {"type": "MSG", "seq": 1, "payload": b"..."}; field names follow the tables of §5.
# ---------------------------------------------------------------------------------------------------------------------

def _short_bytes(value, what, limit=255):
    if len(value) > limit:
        raise ValueError("%s longer than %d bytes" % (what, limit))
    return struct.pack(">B", len(value)) + value


def encode_payload(frame):
    t = frame["type"]
    if t == "HELLO":
        direct = frame.get("direct_address", "")  # "" = none: the DIRECT_ADDRESS flag stays clear
        delivered = frame.get("delivered_seq")  # None = not sent: the DELIVERED_SEQ flag stays clear
        flags = ((HELLO_ON_DEMAND if frame.get("on_demand") else 0) | (HELLO_DIRECT_ADDRESS if direct else 0)
                 | (HELLO_DELIVERED_SEQ if delivered is not None else 0))
        return (HELLO_MAGIC + struct.pack(">BBHI", frame["version"], flags, frame["keep_alive_seconds"],
                                          frame["capabilities"])
                + _short_bytes(frame["device_id"].encode("utf-8"), "device id")
                + _short_bytes(frame["credential"], "credential")
                + _short_bytes(frame["resume_token"], "resume token")
                + (_short_bytes(direct.encode("ascii"), "direct address") if direct else b"")
                + (struct.pack(">Q", delivered) if delivered is not None else b""))
    if t == "WELCOME":
        flags = (WELCOME_RESUMED if frame["resumed"] else 0) | (
            WELCOME_STAY_CONNECTED if frame.get("stay_connected") else 0)
        return (struct.pack(">BBHIIQ", frame["version"], flags, frame["keep_alive_seconds"],
                            frame["max_frame_size"], frame["capabilities"], frame["last_uplink_seq"])
                + _short_bytes(frame["resume_token"], "resume token"))
    if t == "REJECT":
        return struct.pack(">B", frame["reason_code"]) + frame["message"].encode("utf-8")
    if t == "GOAWAY":
        return struct.pack(">BI", frame["reason_code"], frame["reconnect_after_ms"]) + frame["message"].encode("utf-8")
    if t in ("PING", "PONG"):
        return b""
    if t == "MSG":
        return struct.pack(">Q", frame["seq"]) + frame["payload"]
    if t == "ACK":
        return struct.pack(">Q", frame["seq"])
    if t == "CMD":
        return struct.pack(">HBI", frame["id"], frame["opcode"], frame["value"])
    if t == "CMD_RESULT":
        return struct.pack(">HB", frame["id"], frame["status"])
    if t == "STREAM_OPEN":
        return (struct.pack(">IIBH", frame["stream_id"], frame["window"], frame["mode"], frame["port"])
                + _short_bytes(frame["token"], "stream token", MAX_STREAM_TOKEN_BYTES)
                + _short_bytes(frame["service"].encode("utf-8"), "service"))
    if t == "STREAM_OPEN_RESULT":
        return struct.pack(">IBI", frame["stream_id"], frame["status"], frame["window"])
    if t == "STREAM_DATA":
        return struct.pack(">I", frame["stream_id"]) + frame["data"]
    if t == "STREAM_WINDOW":
        return struct.pack(">II", frame["stream_id"], frame["increment"])
    if t == "STREAM_CLOSE":
        return struct.pack(">I", frame["stream_id"])
    if t == "STREAM_RESET":
        return struct.pack(">IB", frame["stream_id"], frame["reason"])
    if t == "CONNECT_REQUEST":
        return (struct.pack(">IH", frame["request_id"], frame["port"])
                + _short_bytes(frame["token"], "stream token", MAX_STREAM_TOKEN_BYTES)
                + _short_bytes(frame["origin"].encode("utf-8"), "origin"))
    if t == "STREAM_ATTACH":
        return _short_bytes(frame["token"], "stream token", MAX_STREAM_TOKEN_BYTES)
    if t == "RPC_REQUEST":
        return (struct.pack(">QI", frame["call_id"], frame["timeout_ms"])
                + _short_bytes(frame["method"].encode("utf-8"), "method") + frame["body"])
    if t == "RPC_RESPONSE":
        return struct.pack(">QB", frame["call_id"], frame["status"]) + frame["body"]
    raise ValueError("cannot encode frame type %r" % t)


def encode(frame):
    """The complete frame: header (type u8, length u24, big-endian) then payload (§3)."""
    payload = encode_payload(frame)
    if len(payload) > MAX_LENGTH_FIELD:
        raise ValueError("payload of %d bytes does not fit the 24-bit length" % len(payload))
    return struct.pack(">I", TYPE_CODES[frame["type"]] << 24 | len(payload)) + payload


class _Payload:
    """Reads fields from one frame's payload; running short is a truncated frame."""

    def __init__(self, data):
        self.data = data
        self.pos = 0

    def take(self, n):
        if self.pos + n > len(self.data):
            raise ProtocolViolation(PROTOCOL_ERROR, "frame payload truncated")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def unpack(self, fmt):
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))

    def short_bytes(self, what, limit):
        (n,) = self.unpack(">B")
        if n > limit:
            raise ProtocolViolation(PROTOCOL_ERROR, "%s longer than %d bytes" % (what, limit))
        return self.take(n)

    def rest(self):
        chunk = self.data[self.pos:]
        self.pos = len(self.data)
        return chunk

    def short_utf8(self, what):
        try:
            return self.short_bytes(what, 255).decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolViolation(PROTOCOL_ERROR, "%s is not valid UTF-8" % what) from None

    def stream_id(self):
        (stream_id,) = self.unpack(">I")
        if stream_id == 0:
            raise ProtocolViolation(PROTOCOL_ERROR, "stream id 0 is not valid")
        return stream_id

    def code(self, table, what):
        (code,) = self.unpack(">B")
        if code not in table:
            raise ProtocolViolation(PROTOCOL_ERROR, "unknown %s %d" % (what, code))
        return code

    def rest_utf8(self, what):
        try:
            return self.rest().decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolViolation(PROTOCOL_ERROR, "%s is not valid UTF-8" % what) from None


def _decode_hello(p):
    if p.take(2) != HELLO_MAGIC:
        raise ProtocolViolation(PROTOCOL_ERROR, "HELLO does not start with the magic 'CM'")
    (version,) = p.unpack(">B")
    if version != PROTOCOL_VERSION:
        raise ProtocolViolation(UNSUPPORTED_VERSION, "protocol version %d not supported" % version)
    flags, keep_alive, capabilities, id_length = p.unpack(">BHIB")
    if flags & ~HELLO_KNOWN_FLAGS:
        raise ProtocolViolation(PROTOCOL_ERROR, "HELLO reserved flag bits must be zero")
    if not 1 <= id_length <= MAX_DEVICE_ID_BYTES:
        raise ProtocolViolation(INVALID_DEVICE_ID, "device id must be 1..%d bytes" % MAX_DEVICE_ID_BYTES)
    raw_id = p.take(id_length)
    try:
        device_id = raw_id.decode("utf-8")
    except UnicodeDecodeError:
        raise ProtocolViolation(INVALID_DEVICE_ID, "device id is not valid UTF-8") from None
    problem = device_id_problem(device_id)
    if problem:
        raise ProtocolViolation(INVALID_DEVICE_ID, problem)
    credential = p.short_bytes("credential", MAX_CREDENTIAL_BYTES)
    resume_token = p.short_bytes("resume token", RESUME_TOKEN_BYTES)
    if len(resume_token) not in (0, RESUME_TOKEN_BYTES):
        raise ProtocolViolation(PROTOCOL_ERROR, "resume token must be empty or %d bytes" % RESUME_TOKEN_BYTES)
    direct = ""
    if flags & HELLO_DIRECT_ADDRESS:
        raw = p.short_bytes("direct address", 255)
        try:
            direct = raw.decode("ascii")
        except UnicodeDecodeError:
            raise ProtocolViolation(PROTOCOL_ERROR, "direct address is not ASCII") from None
        problem = direct_address_problem(direct)
        if problem:
            raise ProtocolViolation(PROTOCOL_ERROR, "HELLO direct address: %s" % problem)
    hello = {"type": "HELLO", "version": version, "keep_alive_seconds": keep_alive, "capabilities": capabilities,
             "device_id": device_id, "credential": credential, "resume_token": resume_token,
             "on_demand": bool(flags & HELLO_ON_DEMAND), "direct_address": direct}
    if flags & HELLO_DELIVERED_SEQ:
        (delivered,) = p.unpack(">Q")
        if delivered >= 1 << 63:
            raise ProtocolViolation(PROTOCOL_ERROR, "HELLO delivered downlink seq is beyond 2^63 - 1")
        hello["delivered_seq"] = delivered
    return hello


def _decode_stream_or_rpc(name, p):
    if name == "STREAM_OPEN":
        stream_id = p.stream_id()
        (window,) = p.unpack(">I")
        mode = p.code(STREAM_MODES, "stream mode")
        (port,) = p.unpack(">H")
        token = p.short_bytes("stream token", MAX_STREAM_TOKEN_BYTES)
        if mode == 1 and not token:
            raise ProtocolViolation(PROTOCOL_ERROR, "data-connection stream without a token")
        return {"type": name, "stream_id": stream_id, "window": window, "mode": mode, "port": port, "token": token,
                "service": p.short_utf8("service")}
    if name == "STREAM_OPEN_RESULT":
        stream_id = p.stream_id()
        status = p.code(STREAM_STATUSES, "stream status")
        (window,) = p.unpack(">I")
        return {"type": name, "stream_id": stream_id, "status": status, "window": window}
    if name == "STREAM_DATA":
        return {"type": name, "stream_id": p.stream_id(), "data": p.rest()}
    if name == "STREAM_WINDOW":
        stream_id = p.stream_id()
        (increment,) = p.unpack(">I")
        if increment == 0:
            raise ProtocolViolation(PROTOCOL_ERROR, "STREAM_WINDOW increment of 0")
        return {"type": name, "stream_id": stream_id, "increment": increment}
    if name == "STREAM_CLOSE":
        return {"type": name, "stream_id": p.stream_id()}
    if name == "STREAM_RESET":
        stream_id = p.stream_id()
        return {"type": name, "stream_id": stream_id, "reason": p.code(STREAM_STATUSES, "stream status")}
    if name == "CONNECT_REQUEST":
        request_id = p.stream_id()
        (port,) = p.unpack(">H")
        token = p.short_bytes("stream token", MAX_STREAM_TOKEN_BYTES)
        return {"type": name, "request_id": request_id, "port": port, "token": token,
                "origin": p.short_utf8("origin")}
    if name == "STREAM_ATTACH":
        token = p.short_bytes("stream token", MAX_STREAM_TOKEN_BYTES)
        if not token:
            raise ProtocolViolation(PROTOCOL_ERROR, "STREAM_ATTACH without a token")
        return {"type": name, "token": token}
    if name == "RPC_REQUEST":
        call_id, timeout_ms = p.unpack(">QI")
        return {"type": name, "call_id": call_id, "timeout_ms": timeout_ms, "method": p.short_utf8("method"),
                "body": p.rest()}
    # RPC_RESPONSE
    (call_id,) = p.unpack(">Q")
    status = p.code(RPC_STATUSES, "RPC_RESPONSE status")
    return {"type": name, "call_id": call_id, "status": status, "body": p.rest()}


def decode_payload(type_code, payload):
    """Decodes one complete payload of type `type_code`; raises ProtocolViolation when it is malformed."""
    name = FRAME_TYPES.get(type_code)
    if name is None:
        reason = UNKNOWN_FRAME_TYPE if type_code in RESERVED_TYPES else PROTOCOL_ERROR
        raise ProtocolViolation(reason, "frame type 0x%02x not supported" % type_code)
    p = _Payload(payload)
    if name == "HELLO":
        frame = _decode_hello(p)
    elif name == "WELCOME":
        version, flags, keep_alive, max_frame, capabilities, last_seq = p.unpack(">BBHIIQ")
        # Reserved WELCOME flag bits are ignored (§5.2).
        frame = {"type": name, "version": version, "resumed": bool(flags & WELCOME_RESUMED),
                 "stay_connected": bool(flags & WELCOME_STAY_CONNECTED), "keep_alive_seconds": keep_alive,
                 "max_frame_size": max_frame, "capabilities": capabilities, "last_uplink_seq": last_seq,
                 "resume_token": p.short_bytes("resume token", RESUME_TOKEN_BYTES)}
    elif name == "REJECT":
        (reason,) = p.unpack(">B")
        frame = {"type": name, "reason_code": reason, "message": p.rest_utf8("message")}
    elif name == "GOAWAY":
        reason, reconnect_after = p.unpack(">BI")
        frame = {"type": name, "reason_code": reason, "reconnect_after_ms": reconnect_after,
                 "message": p.rest_utf8("message")}
    elif name in ("PING", "PONG"):
        frame = {"type": name}
    elif name == "MSG":
        (seq,) = p.unpack(">Q")
        frame = {"type": name, "seq": seq, "payload": p.rest()}
    elif name == "ACK":
        (seq,) = p.unpack(">Q")
        frame = {"type": name, "seq": seq}
    elif name == "CMD":
        cmd_id, opcode, value = p.unpack(">HBI")
        frame = {"type": name, "id": cmd_id, "opcode": opcode, "value": value}
    elif name == "CMD_RESULT":
        cmd_id, status = p.unpack(">HB")
        if status not in STATUSES:
            raise ProtocolViolation(PROTOCOL_ERROR, "unknown CMD_RESULT status %d" % status)
        frame = {"type": name, "id": cmd_id, "status": status}
    else:
        frame = _decode_stream_or_rpc(name, p)
    if p.pos != len(payload):
        raise ProtocolViolation(PROTOCOL_ERROR, "%d unexpected trailing bytes in %s" % (len(payload) - p.pos, name))
    return frame


class FrameReader:
    """Cuts a byte stream into frames (§3). Refuses a bad type on its first byte and an oversized length on the
    header, so it never buffers more than max_frame_size + 3 bytes. After a violation it is unusable."""

    def __init__(self, max_frame_size=DEFAULT_MAX_FRAME_SIZE):
        self.max_frame_size = max_frame_size
        self.buffer = bytearray()

    def feed(self, data):
        """Adds bytes; returns the list of frames now complete. Raises ProtocolViolation."""
        self.buffer += data
        frames = []
        while self.buffer:
            type_code = self.buffer[0]
            if type_code not in FRAME_TYPES:
                reason = UNKNOWN_FRAME_TYPE if type_code in RESERVED_TYPES else PROTOCOL_ERROR
                raise ProtocolViolation(reason, "frame type 0x%02x not supported" % type_code)
            if len(self.buffer) < HEADER_BYTES:
                break
            (word,) = struct.unpack_from(">I", self.buffer)
            length = word & MAX_LENGTH_FIELD
            if length > self.max_frame_size:
                raise ProtocolViolation(FRAME_TOO_LARGE, "frame of %d bytes exceeds %d" % (length, self.max_frame_size))
            if len(self.buffer) < HEADER_BYTES + length:
                break
            payload = bytes(self.buffer[HEADER_BYTES:HEADER_BYTES + length])
            del self.buffer[:HEADER_BYTES + length]
            frames.append(decode_payload(type_code, payload))
        return frames


# ---------------------------------------------------------------------------------------------------------------------
# Golden vector self-test (control-protocol/src/test/resources/golden/*.txt; format described in each file's header)
# ---------------------------------------------------------------------------------------------------------------------

_BYTE_FIELDS = {"credential", "resume_token", "payload", "token", "data", "body"}


def _parse_value(raw):
    if raw.startswith('"'):
        if len(raw) < 2 or not raw.endswith('"'):
            raise ValueError("unterminated text %r" % raw)
        return raw[1:-1]
    if raw.startswith("hex:"):
        return bytes.fromhex(raw[4:])
    if raw in ("true", "false"):
        return raw == "true"
    return int(raw, 0)


def load_vectors(path):
    """[(name, {key: value})] from one vector file."""
    vectors, current = [], None
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("[") and line.endswith("]"):
                current = {}
                vectors.append((line[1:-1], current))
                continue
            key, sep, raw = line.partition("=")
            if not sep or current is None:
                raise ValueError("%s:%d: expected [name] or key = value" % (path, number))
            key, raw = key.strip(), raw.strip()
            if key == "bytes":
                current[key] = bytes.fromhex(raw.replace("|", " "))
            elif key == "type":
                current[key] = raw
            else:
                current[key] = _parse_value(raw)
    return vectors


def _expected_frame(fields):
    frame = {}
    for key, value in fields.items():
        if key in ("bytes", "fleet_key"):
            continue
        if key in _BYTE_FIELDS and isinstance(value, str):
            value = value.encode("utf-8")
        frame[key] = value
    return frame


def _check_frame_vector(fields):
    expected = _expected_frame(fields)
    problems = []
    if encode(expected) != fields["bytes"]:
        problems.append("encodes to %s" % encode(expected).hex())
    whole = FrameReader().feed(fields["bytes"])
    if whole != [expected]:
        problems.append("decodes to %r" % whole)
    reader, trickled = FrameReader(), []
    for i in range(len(fields["bytes"])):
        trickled += reader.feed(fields["bytes"][i:i + 1])
    if trickled != [expected]:
        problems.append("byte-by-byte decodes to %r" % trickled)
    if "fleet_key" in fields:
        key = fields["fleet_key"].encode("utf-8") if isinstance(fields["fleet_key"], str) else fields["fleet_key"]
        if fleet_signed_token(key, expected["device_id"]) != expected["credential"]:
            problems.append("credential is not the fleet-signed token of the device id")
    return problems


def _check_violation_vector(fields):
    reader = FrameReader(fields.get("max_frame_size", DEFAULT_MAX_FRAME_SIZE))
    try:
        frames = reader.feed(fields["bytes"])
    except ProtocolViolation as e:
        if e.reason != fields["violation"]:
            return ["reported %s (%s) instead of 0x%02x" % (REASONS.get(e.reason), e.detail, fields["violation"])]
        return []
    return ["no violation; decoded %r and waits for more" % frames]


def self_test(paths):
    files = []
    for path in paths:
        if os.path.isdir(path):
            # backend-*.txt are the back-end control channel's vectors (§14), which a device does not speak.
            files += sorted(os.path.join(path, n) for n in os.listdir(path)
                            if n.endswith(".txt") and not n.startswith("backend-"))
        else:
            files.append(path)
    counts, failures = {"frames": 0, "violations": 0}, []
    for path in files:
        for name, fields in load_vectors(path):
            if "type" in fields:
                counts["frames"] += 1
                problems = _check_frame_vector(fields)
            elif "violation" in fields:
                counts["violations"] += 1
                problems = _check_violation_vector(fields)
            else:
                problems = ["has neither 'type' nor 'violation'"]
            failures += ["%s: %s" % (name, p) for p in problems]
    ok = not failures and counts["frames"] > 0
    emit("self_test", ok=ok, files=len(files), failures=failures, **counts)
    return 0 if ok else 1


# ---------------------------------------------------------------------------------------------------------------------
# The device (§6 connection lifecycle)
# ---------------------------------------------------------------------------------------------------------------------

# §7: REJECTs worth retrying after a backoff; every other REJECT needs a person to fix something first.
# HANDSHAKE_TIMEOUT, SHUTTING_DOWN, OVERLOADED, RATE_LIMITED, INTERNAL_ERROR, SESSION_EXPIRED
TRANSIENT_REJECTS = {0x06, 0x08, 0x09, 0x0E, 0x10, 0x12}
SESSION_EXPIRED = 0x12

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_CONNECTION, EXIT_REJECTED, EXIT_GOAWAY, EXIT_VIOLATION = 0, 1, 2, 3, 4, 5, 6


def emit(event, **fields):
    """One JSON object per line on stdout: the stable, machine-readable output of this program."""
    print(json.dumps(dict(event=event, **fields), sort_keys=False), flush=True)


def log(args, text):
    if args.verbose:
        print("device: " + text, file=sys.stderr, flush=True)


class Ended(Exception):
    """The connection is over; `code` is the process exit status it maps to."""

    def __init__(self, code, reason):
        super().__init__(reason)
        self.code = code


class Rejected(Ended):
    def __init__(self, reason_code):
        super().__init__(EXIT_REJECTED, "rejected: %s" % _reason_name(reason_code))
        self.reason_code = reason_code


class GoAwayReceived(Ended):
    def __init__(self, frame):
        super().__init__(EXIT_GOAWAY, "GOAWAY")
        self.frame = frame


class Link:
    """One TCP connection to the appliance: sends frames, receives frames, answers the appliance's PINGs and
    acknowledges its MSGs, and keeps the link alive with PINGs while waiting for anything else."""

    def __init__(self, args, sock):
        self.args = args
        self.sock = sock
        self.reader = FrameReader(DEFAULT_MAX_FRAME_SIZE)
        self.pending = []
        self.keep_alive = None  # seconds, known after WELCOME
        self.next_ping_at = None
        self.ping_outstanding_since = None
        self.keep_alive_pongs_due = 0  # PONGs that answer our keep-alive PINGs, not a PING the caller sent
        self.device = None  # set by Device: holds the downlink sequence across reconnects

    def send(self, frame):
        log(self.args, "-> %s" % _describe(frame))
        self.sock.sendall(encode(frame))

    def start_keep_alive(self, seconds):
        self.keep_alive = seconds
        self.next_ping_at = time.monotonic() + seconds if seconds > 0 else None

    def receive(self, deadline):
        """Next frame that is not pure link upkeep, or None when `deadline` (monotonic) passes."""
        while True:
            if self.pending:
                frame = self.pending.pop(0)
                if self._handled_here(frame):
                    continue
                return frame
            now = time.monotonic()
            self._keep_alive_due(now)
            wake = deadline if self.next_ping_at is None else min(deadline, self.next_ping_at)
            if self.ping_outstanding_since is not None:
                wake = min(wake, self.ping_outstanding_since + self.keep_alive)
            if now >= deadline:
                return None
            self.sock.settimeout(max(0.001, wake - now))
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            if not data:
                raise Ended(EXIT_CONNECTION, "connection closed by the appliance")
            try:
                self.pending += self.reader.feed(data)
            except ProtocolViolation as e:
                raise Ended(EXIT_VIOLATION, "appliance broke the protocol: %s" % e) from None

    def _keep_alive_due(self, now):
        if self.ping_outstanding_since is not None and now >= self.ping_outstanding_since + self.keep_alive:
            # §6.4: no PONG (nor anything else) within one interval: the path is dead, whatever TCP believes.
            raise Ended(EXIT_CONNECTION, "no answer to PING within %d s" % self.keep_alive)
        if self.next_ping_at is not None and now >= self.next_ping_at:
            self.send({"type": "PING"})
            self.keep_alive_pongs_due += 1
            self.next_ping_at = now + self.keep_alive
            if self.ping_outstanding_since is None:
                self.ping_outstanding_since = now

    def _handled_here(self, frame):
        log(self.args, "<- %s" % _describe(frame))
        self.ping_outstanding_since = None  # any frame proves the appliance alive
        t = frame["type"]
        if t == "PING":
            self.send({"type": "PONG"})
            return True
        if t == "PONG" and self.keep_alive_pongs_due > 0:
            self.keep_alive_pongs_due -= 1  # PONGs come in PING order, so counting is enough to tell them apart
            return True
        if t == "MSG":
            self._on_downlink(frame)
            return True
        if t == "GOAWAY":
            raise GoAwayReceived(frame)
        return False

    def _on_downlink(self, frame):
        expected = self.device.downlink_seq + 1
        if frame["seq"] < expected:  # §6.5: a repeat after a resume: acknowledge again, deliver once
            self.send({"type": "ACK", "seq": self.device.downlink_seq})
            return
        if frame["seq"] > expected:
            raise Ended(EXIT_VIOLATION, "MSG seq %d where %d was due" % (frame["seq"], expected))
        self.device.downlink_seq = frame["seq"]
        emit("msg", seq=frame["seq"], **_payload_fields(frame["payload"]))
        self.send({"type": "ACK", "seq": frame["seq"]})


def _payload_fields(payload):
    try:
        return {"payload": payload.decode("utf-8")}
    except UnicodeDecodeError:
        return {"payload_hex": payload.hex()}


def _describe(frame):
    shown = {k: (v.hex() if isinstance(v, bytes) else v) for k, v in frame.items()
             if k not in ("type", "credential")}
    return "%s %s" % (frame["type"], shown)


def _reason_name(code):
    return REASONS.get(code, "0x%02x" % code)


class Device:
    """What the command line asked for, across reconnects: the resume token, the uplink sequence, the plan."""

    def __init__(self, args):
        self.args = args
        self.resume_token = bytes.fromhex(args.resume_token) if args.resume_token else b""
        self.credential = _credential(args)
        self.welcomed = False
        self.outbox = [[None, payload] for payload in args.messages or []]  # [seq once sent, payload], unacknowledged
        self.downlink_seq = 0  # highest MSG seq received from the appliance in the current session
        self.pinged = False
        self.commands_done = 0

    def run(self):
        failures = 0  # consecutive connections that ended without WELCOME: drives the backoff
        reconnects = 0
        while True:
            try:
                return self._session()
            except GoAwayReceived as e:
                g = e.frame
                emit("goaway", reason=_reason_name(g["reason_code"]), reason_code=g["reason_code"],
                     reconnect_after_ms=g["reconnect_after_ms"], message=g["message"])
                if not self.args.reconnect:
                    return EXIT_GOAWAY
                if g["reason_code"] == SESSION_EXPIRED:  # §7: forget the token, start afresh
                    self.resume_token = b""
                after = g["reconnect_after_ms"] / 1000.0
                delay = after + random.uniform(0, max(1.0, 0.2 * after))  # §6.6: at least that long, plus jitter
            except Rejected as e:
                if not self.args.reconnect or e.reason_code not in TRANSIENT_REJECTS:
                    return e.code
                if e.reason_code == SESSION_EXPIRED:
                    self.resume_token = b""
                delay = None
            except Ended as e:
                emit("closed", error=str(e))
                if not self.args.reconnect:
                    return e.code
                delay = None
            except OSError as e:
                emit("closed", error="network: %s" % e)
                if not self.args.reconnect:
                    return EXIT_CONNECTION
                delay = None
            failures = 0 if self.welcomed else failures + 1
            if delay is None:  # §6.6: exponential backoff from 1 s to 5 min, full jitter
                delay = random.uniform(0, min(300.0, 2.0 ** min(max(failures - 1, 0), 9)))
            reconnects += 1
            if self.args.max_reconnects is not None and reconnects > self.args.max_reconnects:
                return EXIT_CONNECTION
            emit("reconnecting", after_seconds=round(delay, 3), attempt=reconnects)
            time.sleep(delay)

    def _session(self):
        self.welcomed = False
        host, port = self.args.appliance
        sock = socket.create_connection((host, port), timeout=self.args.timeout)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            link = Link(self.args, sock)
            link.device = self
            welcome = self._handshake(link)
            self._plan(link, welcome)
            return EXIT_OK
        finally:
            sock.close()

    def _handshake(self, link):
        link.send({"type": "HELLO", "version": PROTOCOL_VERSION, "keep_alive_seconds": self.args.keepalive,
                   "capabilities": self.args.capabilities, "device_id": self.args.device_id,
                   "credential": self.credential, "resume_token": self.resume_token,
                   "on_demand": self.args.on_demand, "direct_address": self.args.direct_address or ""})
        frame = link.receive(time.monotonic() + self.args.timeout)
        if frame is None:
            raise Ended(EXIT_CONNECTION, "no WELCOME within %s s" % self.args.timeout)
        if frame["type"] == "REJECT":
            emit("reject", reason=_reason_name(frame["reason_code"]), reason_code=frame["reason_code"],
                 message=frame["message"])
            raise Rejected(frame["reason_code"])
        if frame["type"] != "WELCOME":
            raise Ended(EXIT_VIOLATION, "expected WELCOME or REJECT, got %s" % frame["type"])
        self.resume_token = frame["resume_token"]
        self.welcomed = True
        if not frame["resumed"]:
            self.downlink_seq = 0  # a new session: the appliance numbers from 1 again
        link.start_keep_alive(frame["keep_alive_seconds"])
        emit("welcome", resumed=frame["resumed"], keep_alive_seconds=frame["keep_alive_seconds"],
             max_frame_size=frame["max_frame_size"], capabilities=frame["capabilities"],
             last_uplink_seq=frame["last_uplink_seq"], resume_token=frame["resume_token"].hex(),
             stay_connected=frame["stay_connected"])
        return frame

    def _plan(self, link, welcome):
        """Carries out the command line's requests; on a reconnect it continues where the last connection stopped."""
        if self.args.ping_once and not self.pinged:
            link.send({"type": "PING"})
            self._expect(link, lambda f: f["type"] == "PONG", "PONG")
            emit("pong")
            self.pinged = True
        self._send_outbox(link, welcome)
        while self.outbox:
            ack = self._expect(link, lambda f: f["type"] == "ACK", "ACK")
            if ack["seq"] > self.outbox[-1][0]:
                raise Ended(EXIT_VIOLATION, "ACK %d for a MSG never sent" % ack["seq"])
            self.outbox = [entry for entry in self.outbox if entry[0] > ack["seq"]]
            emit("ack", seq=ack["seq"])
        commands = self.args.commands or []
        if self.commands_done < len(commands) and not welcome["capabilities"] & CAP_CM_COMMANDS:
            raise Ended(EXIT_FAILED, "the appliance does not accept CMD (capability CM_COMMANDS not in WELCOME)")
        while self.commands_done < len(commands):
            cmd_id = self.commands_done + 1
            opcode, value = commands[self.commands_done]
            link.send({"type": "CMD", "id": cmd_id, "opcode": opcode, "value": value})
            result = self._expect(link, lambda f, i=cmd_id: f["type"] == "CMD_RESULT" and f["id"] == i, "CMD_RESULT")
            emit("cmd_result", id=cmd_id, opcode=OPCODES.get(opcode, opcode), value=value,
                 status=STATUSES[result["status"]])
            self.commands_done += 1
        if self.args.stay is not None:
            self._stay(link)
        elif self.args.on_demand and welcome["stay_connected"]:
            # §6.11: the appliance could not reach this device directly, so it must not disconnect on its own.
            emit("staying_connected")
            self._stay(link, forever=True)

    def _send_outbox(self, link, welcome):
        """§6.5/§6.7: drop what the appliance already has, number the rest from last_uplink_seq + 1, send it."""
        last = welcome["last_uplink_seq"]
        if welcome["resumed"]:
            self.outbox = [entry for entry in self.outbox if entry[0] is None or entry[0] > last]
        for i, entry in enumerate(self.outbox):
            if len(entry[1]) + 8 > welcome["max_frame_size"]:
                raise Ended(EXIT_FAILED, "message of %d bytes exceeds the appliance's max frame size" % len(entry[1]))
            entry[0] = last + 1 + i
            link.send({"type": "MSG", "seq": entry[0], "payload": entry[1]})

    def _expect(self, link, wanted, what):
        frame = link.receive(time.monotonic() + self.args.timeout)
        if frame is None:
            raise Ended(EXIT_CONNECTION, "no %s within %s s" % (what, self.args.timeout))
        if not wanted(frame):
            raise Ended(EXIT_VIOLATION, "expected %s, got %s" % (what, _describe(frame)))
        return frame

    def _stay(self, link, forever=False):
        until = float("inf") if forever or self.args.stay == 0 else time.monotonic() + self.args.stay
        while True:
            frame = link.receive(min(until, time.monotonic() + 3600))
            if frame is None:
                if time.monotonic() >= until:
                    return
                continue
            if frame["type"] == "PONG":
                continue
            raise Ended(EXIT_VIOLATION, "unexpected %s while idle" % frame["type"])


def _credential(args):
    if args.token is not None:
        credential = args.token.encode("utf-8")
    elif args.fleet_key is not None:
        credential = fleet_signed_token(args.fleet_key.encode("utf-8"), args.device_id)
    else:
        credential = fleet_signed_token(bytes.fromhex(args.fleet_key_hex), args.device_id)
    if len(credential) > MAX_CREDENTIAL_BYTES:
        raise SystemExit("device: credential longer than %d bytes" % MAX_CREDENTIAL_BYTES)
    return credential


# ---------------------------------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------------------------------

def _appliance_address(text):
    host, sep, port = text.rpartition(":")
    if not sep:
        return text, DEFAULT_PORT
    return host.strip("[]"), int(port)


def _command(text):
    name, sep, value = text.partition("=")
    opcode = OPCODE_CODES.get(name.upper())
    if opcode is None:
        try:
            opcode = int(name, 0)
        except ValueError:
            raise argparse.ArgumentTypeError("unknown command %r (one of %s, or a number)"
                                             % (name, ", ".join(OPCODE_CODES))) from None
    return opcode, int(value, 0) if sep else 0


def _parser():
    p = argparse.ArgumentParser(
        prog="device.py",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Reference device for the connection-manager device link (docs/protocol.md).",
        epilog="""\
What it does, in order: connect and send HELLO; wait for WELCOME (REJECT ends the run); with --ping-once send one
PING and wait for PONG; send every --send/--send-hex as MSG (seq = WELCOME's last_uplink_seq + 1, +2, ...) and wait
until they are acknowledged; send every --cmd and wait for its CMD_RESULT; with --stay keep the link alive. With
--on-demand and without --stay the device disconnects when done, unless the WELCOME asks it to stay connected (§6.11):
then it stays until interrupted, as with --stay 0. While
connected it always sends PING every keep_alive_seconds of the WELCOME, answers the appliance's PINGs with PONG and
acknowledges (ACK) the appliance's MSGs.

Output (stdout): one JSON object per line, "event" naming it:
  {"event": "welcome", "resumed": false, "keep_alive_seconds": 60, "max_frame_size": 1048576, "capabilities": 1,
   "last_uplink_seq": 0, "resume_token": "<32 hex digits>", "stay_connected": false}
  {"event": "staying_connected"}   (--on-demand, and the WELCOME asked it to stay connected)
  {"event": "pong"}
  {"event": "ack", "seq": 1}
  {"event": "cmd_result", "id": 1, "opcode": "SET_IDLE_AFTER", "value": 300, "status": "OK"}
  {"event": "msg", "seq": 1, "payload": "<text>"}      (or "payload_hex" when not UTF-8) from the appliance
  {"event": "reject", "reason": "BAD_CREDENTIALS", "reason_code": 3, "message": "..."}
  {"event": "goaway", "reason": "REPLACED", "reason_code": 7, "reconnect_after_ms": 30000, "message": "..."}
  {"event": "closed", "error": "..."}   {"event": "reconnecting", "after_seconds": 31.2, "attempt": 1}
  {"event": "self_test", "ok": true, "files": 2, "frames": 30, "violations": 30, "failures": []}
Diagnostics go to stderr (--verbose traces every frame, never the credential).

Exit status: 0 done; 1 failed (self-test failure, command not accepted); 2 usage; 3 connection lost, refused or timed
out; 4 REJECT received; 5 GOAWAY received (without --reconnect); 6 the appliance broke the protocol or sent an
unexpected frame.
""")
    p.add_argument("--appliance", type=_appliance_address, default=("127.0.0.1", DEFAULT_PORT), metavar="HOST:PORT",
                   help="appliance address (default 127.0.0.1:%d)" % DEFAULT_PORT)
    p.add_argument("--device-id", metavar="ID", help="device id: 1..128 bytes UTF-8, no whitespace, controls or slashes")
    cred = p.add_mutually_exclusive_group()
    cred.add_argument("--token", metavar="TOKEN", help="per-device token (from `bin/cm device add ID`), sent as UTF-8")
    cred.add_argument("--fleet-key", metavar="KEY",
                      help="fleet key (its UTF-8 bytes); the credential becomes hex(HMAC-SHA256(key, device id))")
    cred.add_argument("--fleet-key-hex", metavar="HEX", help="like --fleet-key, the key given as hex bytes")
    p.add_argument("--resume-token", metavar="HEX", help="16-byte resume token from an earlier WELCOME (32 hex digits)")
    p.add_argument("--keepalive", type=int, default=0, metavar="SECONDS",
                   help="keep-alive interval to ask for in HELLO; 0 (default) lets the appliance choose")
    p.add_argument("--capabilities", type=lambda s: int(s, 0), default=CAP_CM_COMMANDS, metavar="BITS",
                   help="capability bits announced in HELLO (default 0x1, CM_COMMANDS)")
    p.add_argument("--on-demand", action="store_true",
                   help="announce on-demand operation in HELLO (§6.11): disconnect when done unless told to stay")
    p.add_argument("--direct-address", metavar="HOST[:PORT]",
                   help="announce where servers can reach this device directly (§5.1), e.g. 192.0.2.17:8080")
    p.add_argument("--ping-once", action="store_true", help="send one PING after WELCOME and wait for the PONG")
    p.add_argument("--send", dest="messages", action="append", type=lambda s: s.encode("utf-8"), metavar="TEXT",
                   help="send TEXT (UTF-8) as a MSG and wait for its ACK; repeatable")
    p.add_argument("--send-hex", dest="messages", action="append", type=bytes.fromhex, metavar="HEX",
                   help="send raw bytes as a MSG; repeatable, keeps its place among --send")
    p.add_argument("--cmd", dest="commands", action="append", type=_command, metavar="NAME=VALUE",
                   help="send a CMD and wait for its CMD_RESULT, e.g. SET_IDLE_AFTER=300, SLEEP_NOW; repeatable")
    p.add_argument("--stay", type=float, metavar="SECONDS",
                   help="then stay connected that long (0 = until interrupted), printing the appliance's MSGs")
    p.add_argument("--reconnect", action="store_true",
                   help="after GOAWAY or a lost connection, wait as §6.6 says and connect again with the resume token")
    p.add_argument("--max-reconnects", type=int, metavar="N", help="give up after N reconnects (default: never)")
    p.add_argument("--timeout", type=float, default=5.0, metavar="SECONDS",
                   help="how long to wait for the connection and for each expected reply (default 5)")
    p.add_argument("--verbose", action="store_true", help="trace frames on stderr")
    p.add_argument("--self-test-vectors", nargs="+", metavar="PATH",
                   help="check the codec against golden vector files (or directories of *.txt) and exit")
    return p


def main(argv=None):
    parser = _parser()
    args = parser.parse_args(argv)
    if args.self_test_vectors:
        return self_test(args.self_test_vectors)
    if not args.device_id:
        parser.error("--device-id is required")
    problem = device_id_problem(args.device_id)
    if problem:
        parser.error(problem)
    if args.token is None and args.fleet_key is None and args.fleet_key_hex is None:
        parser.error("one of --token, --fleet-key or --fleet-key-hex is required")
    if args.resume_token and len(bytes.fromhex(args.resume_token)) != RESUME_TOKEN_BYTES:
        parser.error("--resume-token must be %d bytes (%d hex digits)" % (RESUME_TOKEN_BYTES, 2 * RESUME_TOKEN_BYTES))
    if not 0 <= args.keepalive <= 0xFFFF:
        parser.error("--keepalive must be 0..65535")
    if args.direct_address is not None:
        problem = direct_address_problem(args.direct_address)
        if problem:
            parser.error("--direct-address: %s" % problem)
    try:
        return Device(args).run()
    except KeyboardInterrupt:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
