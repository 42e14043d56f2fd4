"""Reflex configuration; every value comes from lendapp's validated settings."""

import reflex as rx

from lendapp.integrations.first_paint import FirstPaintPlugin
from lendapp.settings import get_settings

settings = get_settings()

config = rx.Config(
    app_name="lendapp",
    db_url=settings.database_url,
    redis_url=settings.redis_url,
    state_manager_mode="redis" if settings.redis_url else "disk",
    # The machine reaches only package registries; telemetry would try other hosts.
    telemetry_enabled=False,
    show_built_with_reflex=False,
    default_color_mode="light",
    # Absolute page addresses in sitemap.xml; robots.txt names the same address.
    deploy_url=settings.public_url,
    plugins=[
        rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="jade", radius="medium")),
        rx.plugins.SitemapPlugin(),
        # Inline each page's critical CSS and start hydration after the first frame.
        FirstPaintPlugin(),
    ],
)
