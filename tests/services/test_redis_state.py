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
