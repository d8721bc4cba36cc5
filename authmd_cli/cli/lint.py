"""`authmd lint`: options, `--list-rules`, `--explain`; the body calls the lint engine and a renderer."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from authmd_cli import __version__
from authmd_cli.cli.runner import check_format, echo_json, emit, one_line, read_stdin, run, split_list
from authmd_cli.core.errors import UsageError
from authmd_cli.core.exit_codes import ExitCode

if TYPE_CHECKING:
    from collections import Counter

    from authmd_cli.core.diagnostics import Report
    from authmd_cli.lint.engine import LintOptions
    from authmd_cli.lint.rules.base import Rule


LINT_FORMATS = ("text", "json", "sarif", "github")


def _rule_registry() -> dict[str, Rule]:
    from authmd_cli.lint.rules import REGISTRY

    return REGISTRY


def _list_rules(fmt: str) -> int:
    from authmd_cli.lint.rules.reference import list_text

    rules = [r for _, r in sorted(_rule_registry().items())]
    if fmt == "json":
        echo_json([r.to_dict() for r in rules])
        return ExitCode.OK
    if fmt != "text":
        raise UsageError("--list-rules supports --format text or json")
    typer.echo(list_text(rules))
    return ExitCode.OK


def _explain(ref: str, fmt: str) -> int:
    from authmd_cli.core.suggest import did_you_mean
    from authmd_cli.lint.rule_refs import rule_vocabulary
    from authmd_cli.lint.rules.base import lookup
    from authmd_cli.lint.rules.reference import explain_dict, explain_text

    _rule_registry()
    found = lookup(ref)
    if found is None:
        raise UsageError(f"--explain: unknown rule {ref!r}{did_you_mean(ref, rule_vocabulary())}")
    if fmt == "json":
        echo_json(explain_dict(found))
    else:
        typer.echo(explain_text(found))
    return ExitCode.OK


def _line_reader() -> Callable[[str, int | None], str | None]:
    """Lines of the linted files, for baseline fingerprints (each file read once)."""
    cache: dict[str, list[str] | None] = {}

    def line_text(source: str, line: int | None) -> str | None:
        if source not in cache:
            try:
                cache[source] = Path(source).read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                cache[source] = None
        lines = cache[source]
        return lines[line - 1] if lines is not None and line is not None and 0 < line <= len(lines) else None

    return line_text


def _input_files(paths: Sequence[str], snapshot: str | None) -> set[str]:
    """Real paths of every file this run reads (nothing is read): `-o` and `--baseline` must not
    name one of them."""
    from authmd_cli.lint.loader import plan_inputs

    files: list[Path] = []
    if snapshot is not None:
        root = Path(snapshot)
        files.extend(p for p in root.rglob("*") if not p.is_dir())
    else:
        for unit in plan_inputs([p for p in paths if p != "-"] or ([] if paths else ["."])):
            if unit.site is not None:
                plan = unit.site
                files.extend(p for p in (plan.auth, plan.prm, plan.asm) if p is not None)
                files.extend(p for p, _ in plan.extra)
            if unit.file is not None:
                files.append(unit.file)
            files.extend(p for p in unit.given if isinstance(p, Path))
    return {os.path.realpath(f) for f in files}


def _check_writable(path: str, what: str, *, replaces: bool) -> None:
    """Fail now, before anything is written, if `path` cannot be written: `replaces` for a file
    written beside and renamed over (atomic_write: directories are created, the directory must be
    writable), else opened for writing in place (`-o`: the directory must exist)."""
    from authmd_cli.core.errors import OutputError

    p = Path(path)
    if p.is_dir():
        raise OutputError(f"cannot write {what}: is a directory", source=path)
    parent = Path(os.path.realpath(p)).parent
    if replaces:
        while not parent.exists() and parent != parent.parent:
            parent = parent.parent
    if not parent.is_dir():
        raise OutputError(f"cannot write {what}: no such directory {str(parent)!r}", source=path)
    writable = os.access(parent, os.W_OK | os.X_OK) if replaces or not p.exists() else os.access(p, os.W_OK)
    if not writable:
        raise OutputError(f"cannot write {what}: permission denied", source=path)


def _read_baseline(path: str) -> Counter[tuple[str, str, str]]:
    from authmd_cli.core.errors import ConfigError
    from authmd_cli.core.files import read_capped
    from authmd_cli.lint import baseline

    try:
        text = read_capped(path).decode("utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"cannot read the baseline: {getattr(err, 'strerror', None) or err}", source=path) from None
    return baseline.parse(text, path)


def _preflight(paths: Sequence[str], *, output: str | None, baseline: str | None, update_baseline: bool,
               snapshot: str | None) -> Counter[tuple[str, str, str]] | None:
    """Every check on `-o` and `--baseline` that could fail, made before `--fix` or the baseline
    writes anything. Returns the parsed baseline (None: it is to be recorded)."""
    from authmd_cli.core.errors import ConfigError

    inputs = _input_files(paths, snapshot) if output is not None or baseline is not None else set()
    if output is not None:
        if os.path.realpath(output) in inputs:
            raise UsageError(f"--output {output} is one of the linted files; the report would replace it")
        if baseline is not None and os.path.realpath(output) == os.path.realpath(baseline):
            raise UsageError(f"--output and --baseline both name {output}")
        _check_writable(output, "report", replaces=False)
    if baseline is None:
        return None
    if os.path.realpath(baseline) in inputs:
        raise UsageError(f"--baseline {baseline} is one of the linted files; it would be replaced by a baseline")
    if not os.path.lexists(baseline):
        _check_writable(baseline, "the baseline", replaces=True)
        return None
    if not update_baseline:
        return _read_baseline(baseline)
    try:  # an existing file is replaced only if it is a baseline (lint has no --force)
        _read_baseline(baseline)
    except ConfigError as err:
        raise ConfigError(f"{err.message}; --update-baseline replaces only a baseline file", source=baseline,
                          line=err.line, column=err.column) from None
    _check_writable(baseline, "the baseline", replaces=True)
    return None


def _apply_baseline(report: Report, path: str, known: Counter[tuple[str, str, str]] | None) -> Report:
    """`--baseline FILE`: record the findings when `known` is None (FILE missing, or
    --update-baseline), otherwise keep only the findings FILE does not hold. Notes go to stderr
    (reports stay clean)."""
    from authmd_cli.core.diagnostics import Report
    from authmd_cli.core.errors import OutputError
    from authmd_cli.core.files import atomic_write
    from authmd_cli.lint import baseline

    line_text = _line_reader()
    if known is None:
        data = baseline.record(report.diagnostics, line_text, tool_version=__version__)
        text = json.dumps(data, indent=2, ensure_ascii=False)
        if any("\ud800" <= ch <= "\udfff" for ch in text):  # a non-UTF-8 file name: keep it as a \u escape
            text = json.dumps(data, indent=2, ensure_ascii=True)
        try:
            atomic_write(Path(path), text + "\n", follow_symlinks=True)
        except OSError as err:
            raise OutputError(f"cannot write the baseline: {err.strerror or err}", source=path) from None
        typer.echo(f"authmd: recorded {len(data['findings'])} finding(s) in {path}; later runs with "
                   f"--baseline {path} report only new ones", err=True)
        kept = [d for d in report.diagnostics if d.code in baseline.NEVER_BASELINED]
        return Report(list(report.documents), kept)
    filtered = baseline.filter_new(report.diagnostics, known, line_text)
    if filtered.known:
        typer.echo(f"authmd: {filtered.known} known finding(s) in {path} not shown", err=True)
    if filtered.fixed:
        typer.echo(f"authmd: {filtered.fixed} finding(s) in {path} no longer occur; "
                   "--update-baseline drops them", err=True)
    return Report(list(report.documents), filtered.new)


def _fix(paths: Sequence[str], options: LintOptions, *, write: bool) -> tuple[int, int, str]:
    """`--fix` (write) / `--diff` (preview): (findings fixed, files changed, unified diff)."""
    import difflib

    from authmd_cli.core.errors import OutputError
    from authmd_cli.core.files import atomic_write
    from authmd_cli.lint import fixes
    from authmd_cli.lint.engine import lint_documents
    from authmd_cli.lint.loader import read_inputs

    inputs = read_inputs(list(paths) or ["."])
    report = lint_documents(inputs.documents, inputs.sites, options)
    documents = {d.source: d for d in inputs.documents if d.source != "-"}
    texts: dict[str, str] = {}
    for d in report.diagnostics:
        source = d.location.source
        if d.code in fixes.FIXABLE and source in documents and source not in texts:
            try:
                with open(source, encoding="utf-8", newline="") as f:  # newline="": CRLF stays CRLF
                    texts[source] = f.read()
            except (OSError, UnicodeDecodeError):
                continue
    profiles = {info.source: info.profile for info in report.documents}
    edits = fixes.plan(report.diagnostics, texts, documents, inputs.sites, profiles)
    changed = fixes.fixed_texts(texts, edits)
    diff = "".join("".join(difflib.unified_diff(texts[src].splitlines(keepends=True),
                                                 new.splitlines(keepends=True), f"a/{src}", f"b/{src}"))
                   for src, new in changed.items())
    if write:
        for src, new in changed.items():
            try:  # a symlinked file is written through (the link stays), keeping the target's mode
                atomic_write(Path(src), new, follow_symlinks=True)
            except OSError as err:
                raise OutputError(f"cannot write the fix: {err.strerror or err}", source=src) from None
    return len(edits), len(changed), diff


def _lint_body(paths: Sequence[str], *, profile: str | None, select: tuple[str, ...],
               ignore: tuple[str, ...], strict: bool | None, fmt: str | None, config: str | None,
               no_config: bool, output: str | None, color: bool | None, verbose: bool = False,
               baseline: str | None = None, update_baseline: bool = False, fix: bool = False,
               diff: bool = False, snapshot: str | None = None, jobs: int | None = None) -> int:
    from dataclasses import replace

    from authmd_cli.lint.config import Overrides, resolve_settings
    from authmd_cli.lint.engine import lint_paths
    from authmd_cli.lint.pool import default_jobs
    from authmd_cli.render import default_format

    settings = resolve_settings(
        Path.cwd(),
        config=Path(config) if config is not None else None,
        isolated=no_config,
        overrides=Overrides(profile=profile, select=select, ignore=ignore, strict=strict, format=fmt),
    )
    for note in settings.notes:
        typer.echo(f"authmd: note: {note}", err=True)
    options = replace(settings.options, verbose=True) if verbose else settings.options
    if snapshot is not None and (paths or diff or fix):
        raise UsageError("--snapshot DIR lints a saved probe; give no paths, --fix or --diff with it")
    known = _preflight(paths, output=output, baseline=baseline, update_baseline=update_baseline, snapshot=snapshot)
    if diff or fix:
        if "-" in paths:
            raise UsageError("--fix and --diff work on files, not on standard input")
        count, files, patch = _fix(paths, options, write=fix)
        if diff:
            typer.echo(patch, nl=False)
            typer.echo(f"authmd: {count} fix(es) in {files} file(s) would be made; --fix makes them", err=True)
            return ExitCode.FINDINGS if count else ExitCode.OK
        typer.echo(f"authmd: fixed {count} finding(s) in {files} file(s)", err=True)
    if snapshot is not None:
        from authmd_cli.probe.run import replay_report

        report = replay_report(Path(snapshot), options)
    else:
        report = lint_paths(list(paths) or ["."], options, read_stdin=read_stdin, jobs=jobs or default_jobs())
    if baseline is not None:
        report = _apply_baseline(report, baseline, known)
    emit(report, settings.format or default_format(os.environ), output=output, color=color)
    internal = [d for d in report.diagnostics if d.code == "TL006"]
    if internal:
        # Exit 2 is not silent: the report carries the TL006 diagnostic(s), and stderr says why in
        # one line even when stdout is a JSON/SARIF report a CI job never prints.
        more = f" (+{len(internal) - 1} more)" if len(internal) > 1 else ""
        typer.echo(f"authmd: internal error: {one_line(internal[0].message)}{more} (please report; "
                   "TL006 in the report)", err=True)
    return report.exit_code(strict=settings.strict)


def lint_command(  # noqa: PLR0917 - typer maps parameters to options
    paths: Annotated[list[str] | None, typer.Argument(
        help="auth.md files, PRM / AS metadata JSON files, site directories, or - for stdin. "
             "Default: the current directory.", show_default=False, metavar="PATH...")] = None,
    profile: Annotated[str | None, typer.Option(
        "--profile", "-p", metavar="PROFILE",
        help="Pin the protocol profile (v0.1 … v0.7-B, no-registration, latest); default: detect.")] = None,
    select: Annotated[list[str] | None, typer.Option(
        "--select", metavar="RULES",
        help="Only these rules: codes, names or prefixes; comma-separated, repeatable.",
        show_default=False)] = None,
    ignore: Annotated[list[str] | None, typer.Option(
        "--ignore", metavar="RULES",
        help="Skip these rules (added to the config's ignore list); comma-separated, repeatable.",
        show_default=False)] = None,
    strict: Annotated[bool | None, typer.Option(
        "--strict/--no-strict", help="Warnings fail the run (exit 1).", show_default=False)] = None,
    fmt: Annotated[str | None, typer.Option(
        "--format", "-f", metavar="FORMAT",
        help="text, json, sarif or github (default: the config's, github under GitHub Actions, else text).",
        show_default=False)] = None,
    config: Annotated[str | None, typer.Option(
        "--config", metavar="FILE",
        help="Use this config file instead of discovering .authmd.yaml / pyproject.toml.",
        show_default=False)] = None,
    no_config: Annotated[bool, typer.Option(
        "--no-config", help="Ignore every config file (defaults and flags only).")] = False,
    output: Annotated[str | None, typer.Option(
        "--output", "-o", metavar="FILE", help="Write the report to this file instead of stdout.",
        show_default=False)] = None,
    color: Annotated[bool | None, typer.Option(
        "--color/--no-color", help="Force colour on or off (default: on a terminal, unless NO_COLOR).",
        show_default=False)] = None,
    verbose: Annotated[bool, typer.Option(
        "--verbose", "-v",
        help="One finding per legacy construct or old-shaped example instead of one per document.")] = False,
    jobs: Annotated[int | None, typer.Option(
        "--jobs", "-j", min=1, metavar="N",
        help="Lint directories in N processes (default: the number of CPUs); the report is the same.",
        show_default=False)] = None,
    list_rules: Annotated[bool, typer.Option(
        "--list-rules", help="List every rule (with --format json: as JSON) and exit.")] = False,
    explain: Annotated[str | None, typer.Option(
        "--explain", metavar="CODE|NAME", help="Print a rule's documentation and exit.",
        show_default=False)] = None,
    snapshot: Annotated[str | None, typer.Option(
        "--snapshot", metavar="DIR", help="Lint what `authmd probe --save DIR` fetched, offline (with the "
                                          "probe's transport findings).", show_default=False)] = None,
    baseline: Annotated[str | None, typer.Option(
        "--baseline", metavar="FILE",
        help="Report only findings not recorded in FILE; a missing FILE records today's findings.",
        show_default=False)] = None,
    update_baseline: Annotated[bool, typer.Option(
        "--update-baseline", help="With --baseline: re-record FILE from this run's findings.")] = False,
    fix: Annotated[bool, typer.Option(
        "--fix", help="Make the safe mechanical fixes (MD005, MD007, XD002 normalisation), then report "
                      "what is left.")] = False,
    diff: Annotated[bool, typer.Option(
        "--diff", help="Print the fixes --fix would make as a unified diff; exit 1 if there are any.")] = False,
) -> None:
    """Check auth.md files and their discovery documents.

    Example:

    \b
      authmd lint public/ --strict
      authmd lint auth.md --format sarif --output authmd.sarif
      authmd lint --explain MD008
      authmd lint public/ --baseline .authmd-baseline.json   # only new findings fail

    Exit codes: 0 no errors, 1 errors found (or warnings with --strict), 2 usage, config or
    input error.
    """

    def body() -> int:
        chosen = check_format(fmt, LINT_FORMATS)
        if list_rules:
            return _list_rules(chosen or "text")
        if explain is not None:
            return _explain(explain, chosen or "text")
        if update_baseline and baseline is None:
            raise UsageError("--update-baseline needs --baseline FILE")
        if fix and diff:
            raise UsageError("--fix and --diff cannot be combined (--diff previews what --fix does)")
        return _lint_body(paths or [], profile=profile, select=split_list(select),
                          ignore=split_list(ignore), strict=strict, fmt=chosen, config=config,
                          no_config=no_config, output=output, color=color, verbose=verbose,
                          baseline=baseline, update_baseline=update_baseline, fix=fix, diff=diff,
                          snapshot=snapshot, jobs=jobs)

    run(body)


def register(app: typer.Typer) -> None:
    app.command("lint")(lint_command)
