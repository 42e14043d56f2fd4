"""Reflex state kept in Redis, as it is when REDIS_URL is set for several workers."""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import reflex as rx
import redis.asyncio
from reflex.istate.manager.redis import StateManagerRedis

from lendapp.state.home import HomeState
from lendapp.state.i18n import I18nState
from tests.support.redis_server import RedisServer


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


def test_redis_url_selects_redis_manager(redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch) -> None:
    import rxconfig
    from lendapp.settings import get_settings

    monkeypatch.setenv("REDIS_URL", redis_server.url)
    get_settings.cache_clear()
    try:
        config = importlib.reload(rxconfig).config
    finally:
        monkeypatch.delenv("REDIS_URL")
        get_settings.cache_clear()
        importlib.reload(rxconfig)

    assert config.redis_url == redis_server.url
    assert config.state_manager_mode == "redis"


def test_state_round_trips_through_redis(redis_server: RedisServer) -> None:
    async def scenario() -> tuple[str, int]:
        token = rx.BaseStateToken(ident="redis-test-client", cls=rx.State)
        writer = StateManagerRedis(redis=redis.asyncio.Redis.from_url(redis_server.url))
        async with writer.modify_state(token) as root:
            i18n = await root.get_state(I18nState)
            i18n.locale = "en"
            home = await root.get_state(HomeState)
            home.load_failed = True
        await writer.close()

        # A second manager stands for another worker process reading the same state.
        reader = StateManagerRedis(redis=redis.asyncio.Redis.from_url(redis_server.url))
        root = await reader.get_state(token)
        locale = (await root.get_state(I18nState)).locale
        failed = (await root.get_state(HomeState)).load_failed
        await reader.close()
        return locale, failed

    locale, failed = asyncio.run(scenario())

    assert locale == "en"
    assert failed is True


def test_reconnect_keeps_token_across_workers(redis_server: RedisServer) -> None:
    from reflex.utils.token_manager import RedisTokenManager

    from lendapp.integrations import reflex_reconnect

    reflex_reconnect.install()

    async def scenario() -> None:
        first_worker = RedisTokenManager(redis.asyncio.Redis.from_url(redis_server.url))
        second_worker = RedisTokenManager(redis.asyncio.Redis.from_url(redis_server.url))
        try:
            assert await first_worker.link_token_to_sid("tab-1", "old-socket") is None
            # The phone comes back through the other worker before the first one noticed it had gone.
            assert await second_worker.link_token_to_sid("tab-1", "new-socket") is None
            owner = await second_worker.redis.get(second_worker._get_redis_key("tab-1"))
            assert owner is not None
            # The first worker now hears of the old socket's end; the newer link must survive it.
            await first_worker._get_token_owner("tab-1", refresh=True)
            await first_worker.disconnect_token("tab-1", "old-socket")
            assert await second_worker.redis.exists(second_worker._get_redis_key("tab-1"))
            assert second_worker.token_to_socket["tab-1"].sid == "new-socket"
        finally:
            await first_worker.close()
            await second_worker.close()

    asyncio.run(scenario())


def test_reconnect_keeps_token_in_one_process() -> None:
    from reflex.utils.token_manager import LocalTokenManager

    from lendapp.integrations import reflex_reconnect

    reflex_reconnect.install()

    async def scenario() -> None:
        manager = LocalTokenManager()
        assert await manager.link_token_to_sid("tab-1", "old-socket") is None
        assert await manager.link_token_to_sid("tab-1", "new-socket") is None
        await manager.disconnect_token("tab-1", "old-socket")
        assert manager.token_to_socket["tab-1"].sid == "new-socket"
        assert manager.sid_to_token == {"new-socket": "tab-1"}

    asyncio.run(scenario())
