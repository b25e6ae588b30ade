"""The PBX side of FastAGI for tests: ``FakeAsterisk`` connects to a server, sends the
environment and answers each command line with the reply bytes Asterisk would send."""

from __future__ import annotations

import asyncio

ENVIRONMENT = (
    b"agi_network: yes\n"
    b"agi_network_script: main-menu\n"
    b"agi_request: agi://127.0.0.1:4573/main-menu\n"
    b"agi_channel: Local/dtmf1@callers-0000000f;1\n"
    b"agi_language: en\n"
    b"agi_type: Local\n"
    b"agi_uniqueid: 1795479478.30\n"
    b"agi_version: 22.0.0\n"
    b"agi_callerid: +13125550142\n"
    b"agi_calleridname: Ivy Menu\n"
    b"agi_dnid: unknown\n"
    b"agi_context: inbound\n"
    b"agi_extension: ivr\n"
    b"agi_priority: 2\n"
    b"agi_enhanced: 0.0\n"
    b"agi_accountcode: \n"
    b"agi_threadid: 140046061004480\n"
    b"agi_arg_1: fr\n"
    b"\n"
)


class FakeAsterisk:
    """The PBX side of one FastAGI connection."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def call(cls, port: int, environment: bytes = ENVIRONMENT) -> FakeAsterisk:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 2)
        writer.write(environment)
        return cls(reader, writer)

    async def command(self) -> str:
        line = await asyncio.wait_for(self.reader.readline(), 2)
        assert line.endswith(b"\n"), f"the server closed instead of sending a command: {line!r}"
        return line.decode().rstrip("\n")

    def reply(self, data: bytes) -> None:
        self.writer.write(data)

    async def closed_by_server(self) -> bool:
        return await asyncio.wait_for(self.reader.read(), 2) == b""

    def close(self) -> None:
        self.writer.close()
