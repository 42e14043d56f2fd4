"""Keep a reconnecting browser tab on its own state instead of giving it a new, empty one.

Reflex 0.10.1 treats a connection that arrives with a token already linked to
another socket as a duplicated tab and hands it a fresh token, so the tab
starts over with empty state. A phone that loses its network gets the same
treatment. The server keeps the old socket until Engine.IO's ping timeout
(two minutes, Reflex's setting), and the phone reconnects sooner. Whatever
the borrower had on screen but not yet saved is then gone, and later clicks
act on a state that no page load has filled.

Here the newest connection takes the token over. The old socket, if it ever
comes back, gets no more updates, and its disconnect no longer removes the
newer link. A tab that
was really duplicated therefore shares one state with its original; for a
site used mostly on phones, that is the lesser harm. Every privileged handler
still checks the session cookie, so sharing a token grants nothing.
"""

from __future__ import annotations

import logging

from reflex.utils import token_manager

logger = logging.getLogger(__name__)


async def _take_over_locally(self: token_manager.LocalTokenManager, token: str, sid: str) -> str | None:
    previous = self.token_to_socket.get(token)
    if previous is not None and previous.sid != sid:
        self.sid_to_token.pop(previous.sid, None)
        logger.info("A reconnecting tab took its state over from an older socket")
    self.token_to_socket[token] = token_manager.SocketRecord(instance_id=self.instance_id, sid=sid)
    self.sid_to_token[sid] = token
    return None


async def _disconnect_if_current(self: token_manager.LocalTokenManager, token: str, sid: str) -> None:
    # Reflex drops the token's link whichever socket closes; after a takeover only the current one may.
    record = self.token_to_socket.get(token)
    if record is not None and record.sid == sid:
        self.token_to_socket.pop(token, None)
    self.sid_to_token.pop(sid, None)


async def _take_over_in_redis(self: token_manager.RedisTokenManager, token: str, sid: str) -> str | None:
    previous = self.token_to_socket.get(token)
    if previous is not None and previous.sid == sid and previous.instance_id == self.instance_id:
        return None
    self._ensure_socket_record_task()
    await _take_over_locally(self, token, sid)
    # Overwrite any record of another worker. Its keyspace listener then reads the new owner,
    # so its stale socket's disconnect leaves this record alone.
    await self._store_socket_record(token, self.token_to_socket[token])
    return None


def install() -> None:
    """Replace the duplicate-tab handling of both of Reflex's token managers (idempotent)."""
    token_manager.LocalTokenManager.link_token_to_sid = _take_over_locally
    token_manager.LocalTokenManager.disconnect_token = _disconnect_if_current
    token_manager.RedisTokenManager.link_token_to_sid = _take_over_in_redis
