"""A short, readable device description from a browser's User-Agent header."""

from __future__ import annotations

# Checked in order: the first match wins, so the more specific names come first.
_SYSTEMS = (
    ("HarmonyOS", "HarmonyOS"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)
_BROWSERS = (
    ("MicroMessenger", "WeChat"),
    ("AlipayClient", "Alipay"),
    ("UCBrowser", "UC Browser"),
    ("QQBrowser", "QQ Browser"),
    ("HuaweiBrowser", "Huawei Browser"),
    ("MiuiBrowser", "Mi Browser"),
    ("Edg/", "Edge"),
    ("HeadlessChrome", "Headless Chrome"),
    ("Chrome/", "Chrome"),
    ("Firefox/", "Firefox"),
    ("Safari/", "Safari"),
)


def describe_user_agent(user_agent: str) -> str:
    """Return ``"<system> · <browser>"`` such as ``"iPhone · WeChat"``, or ``"?"`` when unknown."""
    system = next((name for marker, name in _SYSTEMS if marker in user_agent), "")
    browser = next((name for marker, name in _BROWSERS if marker in user_agent), "")
    parts = [part for part in (system, browser) if part]
    return " · ".join(parts) if parts else "?"
