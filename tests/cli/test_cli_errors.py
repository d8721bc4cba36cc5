"""`cli._run`: the one place exceptions become exit codes and one-line messages."""

from __future__ import annotations

import pytest
import typer

from authmd_cli.cli.runner import run
from authmd_cli.core.errors import ConfigError, InputError, UnreachableError


def _exit_code(body: object, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(typer.Exit) as info:
        run(body)  # type: ignore[arg-type]
    return info.value.exit_code, capsys.readouterr().err


def test_authmd_error_is_one_line_with_its_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    def body() -> int:
        raise ConfigError("unknown key 'x'", source="a.yaml", line=3, column=1)

    assert _exit_code(body, capsys) == (2, "authmd: error: a.yaml:3:1: unknown key 'x'\n")


def test_unreachable_maps_to_3(capsys: pytest.CaptureFixture[str]) -> None:
    def body() -> int:
        raise UnreachableError("connection refused", source="https://127.0.0.1:9")

    code, err = _exit_code(body, capsys)
    assert code == 3 and err.startswith("authmd: error: ")


def test_multiline_messages_are_folded(capsys: pytest.CaptureFixture[str]) -> None:
    def body() -> int:
        raise InputError("first\nsecond")

    assert _exit_code(body, capsys)[1] == "authmd: error: first second\n"


def test_unexpected_exception_is_internal_error_exit_2(capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AUTHMD_DEBUG", raising=False)

    def body() -> int:
        raise KeyError("boom")

    code, err = _exit_code(body, capsys)
    assert code == 2
    assert err == ("authmd: internal error: KeyError: 'boom' (please report; AUTHMD_DEBUG=1 shows the "
                   "traceback)\n")


def test_internal_error_message_is_cut_short(capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AUTHMD_DEBUG", raising=False)
    secret = "eyJ" + "A" * 400

    def body() -> int:
        raise ValueError(secret)

    code, err = _exit_code(body, capsys)
    assert code == 2 and secret not in err and len(err.splitlines()[0]) < 220


@pytest.mark.parametrize("exc", [KeyboardInterrupt, EOFError])
def test_interrupt_at_a_prompt_exits_130(exc: type[BaseException], capsys: pytest.CaptureFixture[str]) -> None:
    def body() -> int:
        raise exc

    code, err = _exit_code(body, capsys)
    assert (code, err) == (130, "authmd: interrupted\n")


def test_debug_env_reraises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTHMD_DEBUG", "1")

    def body() -> int:
        raise RuntimeError("for developers")

    with pytest.raises(RuntimeError, match="for developers"):
        run(body)


def test_nonzero_result_becomes_the_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert _exit_code(lambda: 1, capsys) == (1, "")


def test_zero_result_returns_normally(capsys: pytest.CaptureFixture[str]) -> None:
    # Exit 0 is a plain return (no typer.Exit raised, nothing printed); 1 is raised.
    assert run(lambda: 0) is None  # type: ignore[func-returns-value]
    assert run(lambda: None) is None  # type: ignore[func-returns-value]
    assert capsys.readouterr() == ("", "")
    assert _exit_code(lambda: 1, capsys) == (1, "")
