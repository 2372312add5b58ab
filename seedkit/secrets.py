"""Secrets a URL carries, and how they are kept out of every output.

A URL can carry a password in more than one place: `user:password@host`, and query
options a driver reads as credentials (`?password=…` for psycopg and PyMySQL,
`sslpassword`, a token…). `mask_url` replaces each with `***`; `remember` notes the
secret values of a URL seedkit opens, and `scrub` removes every remembered value (and
anything shaped like a URL's password) from text before it is shown: error messages,
JSON, the "unexpected error" line. Paths that point at secrets (`passfile`, `sslkey`)
are not secrets themselves and stay visible.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, quote_plus, unquote, unquote_plus

#: Query option names (lower case, without `-`/`_`) whose value is a secret.
_SECRET_NAMES = re.compile(
    r"(?:ssl)?(?:password|passwd|pwd|pass|passphrase)|.*secret.*|.*token.*|.*apikey.*"
    r"|.*credentials?|authkey|sslkeypassword"
)
MASK = "***"
#: Secrets at least this long are removed wherever they appear; shorter ones only
#: where no letter or digit touches them (else every word holding them would break).
_PLAIN_LENGTH = 6
_USERINFO = re.compile(r"(://[^:/@\s?#]*:)([^@\s]*)@")
_QUERY_OPTION = re.compile(r"([?&;]\s*)([A-Za-z0-9_.\-]+)(=)([^&#\s'\"]*)")
_remembered: set[str] = set()


def is_secret_option(name: str) -> bool:
    """True when a URL query option of this name carries a credential."""
    return bool(_SECRET_NAMES.fullmatch(name.lower().replace("-", "").replace("_", "")))


def mask_url(url: str) -> str:
    """The URL with its password and every secret query option replaced by ***."""
    masked = _USERINFO.sub(lambda m: m.group(1) + MASK + "@", url)
    return _QUERY_OPTION.sub(
        lambda m: (
            m.group(1) + m.group(2) + m.group(3) + MASK
            if is_secret_option(m.group(2))
            else m.group(0)
        ),
        masked,
    )


def url_secrets(url: str) -> set[str]:
    """Every secret value `url` carries, as written and decoded."""
    found: set[str] = set()
    userinfo = _USERINFO.search(url)
    if userinfo and userinfo.group(2):
        found.add(userinfo.group(2))
    _, _, query = url.partition("?")
    query = query.split("#", 1)[0]
    for part in re.split(r"[&;]", query):
        name, eq, raw = part.partition("=")
        if eq and raw and is_secret_option(name.strip()):
            found.add(raw)
    try:
        pairs = parse_qsl(query, keep_blank_values=False)
    except ValueError:
        pairs = []
    found |= {value for name, value in pairs if value and is_secret_option(name)}
    spellings: set[str] = set()
    for value in found:
        spellings |= {value, unquote(value), unquote_plus(value), quote(value, safe="")}
        spellings.add(quote_plus(value))
    return {s for s in spellings if s}


def remember(url: str) -> None:
    """Note the secrets of a URL seedkit is about to use, so `scrub` removes them anywhere."""
    _remembered.update(url_secrets(url))


def scrub(text: str, extra: set[str] | None = None) -> str:
    """`text` without any remembered secret (or one of `extra`) and with every URL-shaped
    password masked: safe to print."""
    for secret in sorted(_remembered | (extra or set()), key=len, reverse=True):
        if not secret or secret == MASK:
            continue
        if len(secret) >= _PLAIN_LENGTH:
            text = text.replace(secret, MASK)
        else:  # a short secret only where it stands alone, so `true` keeps its `t`
            text = re.sub(rf"(?<![\w]){re.escape(secret)}(?![\w])", MASK, text)
    return mask_url(text)
