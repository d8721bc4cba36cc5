"""Suite-wide set-up. The tests talk to servers on 127.0.0.1; a proxy named in the environment of
the machine running them (HTTP_PROXY & co., which authmd's clients honour as curl and httpx do)
would carry those requests away, so the loopback names bypass it here, for this process and the
`authmd` processes the tests start. Tests of proxy support set their own variables."""

from __future__ import annotations

import os

_LOOPBACK = "127.0.0.1,localhost,::1"
for _name in ("NO_PROXY", "no_proxy"):
    _current = os.environ.get(_name, "")
    os.environ[_name] = f"{_current},{_LOOPBACK}" if _current else _LOOPBACK
