"""The human hand-off (SPEC §7.3): who plays the user when the ceremony needs one.

- `CommandHuman` (`--human-command CMD`): runs CMD with `AUTHMD_VERIFICATION_URI`, `AUTHMD_USER_CODE`
  (when the agent shows the code), `AUTHMD_LOGIN_HINT`, `AUTHMD_ISSUER` (and `AUTHMD_DIRECTION`,
  `AUTHMD_ATTEMPT`) in its environment; in the read-back directions it prints the code on stdout.
- `FixedCode` (`--user-code CODE`): the code the user read out, given up front (read-back only).
- `HookHuman` (`--auto-confirm`): signs in and confirms through `authmd serve --test-hooks`
  (`POST /_test/claim`); the only place that hands the verification URI to a harness (SPEC §14 D24).
- `NoHuman`: nobody is there (a non-interactive run without the options above).
The terminal hand-off lives in `cli/simulate.py` (console I/O is the CLI's). `handoff_lines` is
the one wording of the hand-off, shared by all of them.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from authmd_cli.agent.wire import HandOff, HumanAnswer

CODE_RE = re.compile(r"\b(\d{6})\b")
HUMAN_COMMAND_TIMEOUT = 600.0


class Human(Protocol):
    def answer(self, handoff: HandOff) -> HumanAnswer: ...


def handoff_lines(h: HandOff, *, show_code: bool = True) -> list[str]:
    """What the user must do, in the direction the code travels (IN-THE-WILD P13)."""
    who = f" as {h.login_hint}" if h.login_hint else ""
    lines: list[str] = []
    if h.retry:
        lines.append(f"{h.retry}.")
    if h.direction == "show":
        lines += [f"Open {h.verification_uri or '(the service gave no URL)'} and sign in{who}.",
                  f"Enter this code: {h.user_code if show_code else '(hidden)'}",
                  "The agent waits for you (it polls the service)."]
    elif h.direction == "read_back":
        lines += [f"Open {h.verification_uri or '(the service gave no URL)'} and sign in{who}.",
                  "Confirm the request; the page then shows a 6-digit code.",
                  "Read that code back to the agent."]
    else:
        lines += [f"The service e-mailed{' ' + h.login_hint if h.login_hint else ' you'} a link.",
                  "Open it; the page shows a one-time code. Read that code back to the agent."]
    if h.attempt > 1:
        lines.append("(A new attempt: the earlier link and code no longer work.)")
    return lines


class NoHuman:
    def answer(self, handoff: HandOff) -> HumanAnswer:
        return HumanAnswer(gave_up=True, note="nobody to hand off to (not a terminal, and no --user-code, "
                                              "--human-command or --auto-confirm)")


class FixedCode:
    """`--user-code`: good for one read-back; a second ask (a wrong code, a re-mint) has no answer."""

    def __init__(self, code: str) -> None:
        self._code: str | None = code

    def answer(self, handoff: HandOff) -> HumanAnswer:
        if handoff.direction == "show":
            return HumanAnswer(gave_up=True, note="this generation shows the code to the user; --user-code "
                                                  "is for read-back ceremonies (use --human-command)")
        code, self._code = self._code, None
        if code is None:
            return HumanAnswer(gave_up=True, note="--user-code was already used once")
        return HumanAnswer(code=code, note="code from --user-code")


class CommandHuman:
    def __init__(self, command: str, *, timeout: float = HUMAN_COMMAND_TIMEOUT,
                 base_env: Mapping[str, str] | None = None) -> None:
        self.command = command
        self.timeout = timeout
        self.base_env = dict(base_env if base_env is not None else os.environ)

    def env(self, h: HandOff) -> dict[str, str]:
        env = {**self.base_env, "AUTHMD_ISSUER": h.issuer, "AUTHMD_DIRECTION": h.direction,
               "AUTHMD_ATTEMPT": str(h.attempt)}
        for name, value in (("AUTHMD_VERIFICATION_URI", h.verification_uri), ("AUTHMD_USER_CODE", h.user_code),
                            ("AUTHMD_LOGIN_HINT", h.login_hint)):
            if value:
                env[name] = value
            else:
                env.pop(name, None)
        return env

    def answer(self, handoff: HandOff) -> HumanAnswer:
        try:
            done = subprocess.run(self.command, shell=True, env=self.env(handoff), capture_output=True,
                                  timeout=self.timeout, check=False, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return HumanAnswer(gave_up=True, note=f"gave up: --human-command ran longer than {self.timeout:g} s")
        except OSError as exc:
            return HumanAnswer(gave_up=True, note=f"gave up: --human-command could not run ({exc.strerror})")
        if done.returncode != 0:
            return HumanAnswer(gave_up=True, note=f"gave up: --human-command exited {done.returncode}")
        if handoff.direction == "show":
            return HumanAnswer(note="--human-command played the user")
        found = CODE_RE.findall(done.stdout.decode("utf-8", "replace"))
        if not found:
            return HumanAnswer(gave_up=True, note="gave up: --human-command printed no 6-digit code")
        return HumanAnswer(code=found[-1], note="code read back by --human-command")


PostJson = Callable[[str, Mapping[str, Any]], tuple[int, Any]]


class HookHuman:
    """`--auto-confirm` against `authmd serve --test-hooks`: `POST <issuer>/_test/claim` signs the
    attempt's user in and confirms (v0.7-B: the answer carries the revealed code; v0.7-A: the code
    the agent shows is submitted on the real form path)."""

    def __init__(self, post_json: PostJson) -> None:
        self.post_json = post_json

    @staticmethod
    def hook_url(issuer: str) -> str:
        from urllib.parse import urlsplit

        parts = urlsplit(issuer)
        return f"{parts.scheme}://{parts.netloc}/_test/claim"

    def answer(self, handoff: HandOff) -> HumanAnswer:
        if not handoff.verification_uri:
            return HumanAnswer(gave_up=True, note="gave up: --auto-confirm needs a verification_uri (this "
                                                  "generation e-mails the user)")
        payload: dict[str, Any] = {"verification_uri": handoff.verification_uri}
        if handoff.login_hint:
            payload["email"] = handoff.login_hint
        if handoff.user_code:
            payload["user_code"] = handoff.user_code
        status, body = self.post_json(self.hook_url(handoff.issuer), payload)
        if status != 200 or not isinstance(body, dict):
            said = body.get("message") or body.get("error") if isinstance(body, dict) else None
            return HumanAnswer(gave_up=True, note=f"gave up: the sandbox hook answered {status}"
                                                  f"{f' ({said})' if said else ''}; is it `authmd serve --test-hooks`?")
        code = body.get("user_code")
        return HumanAnswer(code=code if isinstance(code, str) else None, note="confirmed through the sandbox hook")
