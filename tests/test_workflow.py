"""The CI workflow this repository carries for sites (.github/workflows/omakase.yml) is valid
YAML, and every `omakase …` line it runs parses with the real command line: a renamed
command or flag breaks this test, not a site's deployment."""

from __future__ import annotations

import shlex
import warnings
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from generator.cli import main
from generator.content.shares import SECRET_ENV
from generator.publish.shadow import Shadow
from generator.settings import Settings
from generator.support.caches import CACHES, cache_dir
from tests.sitekit import PROJECT

WORKFLOW = PROJECT / ".github/workflows/omakase.yml"


def workflow() -> dict[Any, Any]:
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def steps(job: str) -> list[dict[str, Any]]:
    return list(workflow()["jobs"][job]["steps"])


def omakase_lines(job: str | None = None) -> list[str]:
    """The `omakase …` command lines of the `run:` steps (of one job, or of all)."""
    jobs = [job] if job else list(workflow()["jobs"])
    found = []
    for name in jobs:
        for step in steps(name):
            script = str(step.get("run", "")).replace("\\\n", " ")
            found += [line.strip() for line in script.splitlines() if line.strip().startswith("omakase ")]
    return found


def parse(line: str) -> click.Context:
    """The context click makes of a command line, down to its last subcommand: options,
    choices and arguments are checked as a run would, the command itself is not run."""
    args = shlex.split(line)[1:]
    ctx = main.make_context("omakase", args)
    command: click.Command = main
    while isinstance(command, click.Group):
        with warnings.catch_warnings():  # click 8.2 deprecates protected_args: 9.0 has all in args
            warnings.simplefilter("ignore", DeprecationWarning)
            rest = [*getattr(ctx, "protected_args", ()), *ctx.args]
        name, sub, rest = command.resolve_command(ctx, rest)
        assert name is not None and sub is not None, line
        ctx = sub.make_context(name, rest, parent=ctx)
        command = sub
    assert not ctx.args, f"{line}: left over {ctx.args}"
    return ctx


def test_the_workflow_is_valid_yaml_with_its_two_jobs() -> None:
    data = workflow()
    triggers = data.get("on", data.get(True))  # YAML 1.1 reads a bare `on` as true
    assert set(triggers) == {"pull_request", "push"}
    assert triggers["push"]["branches"] == ["main"]
    assert set(data["jobs"]) == {"check", "build"}


def test_every_omakase_line_parses_with_the_real_command_line() -> None:
    lines = omakase_lines()
    assert len(lines) >= 2, lines
    for line in lines:
        parse(line)
    check = [parse(line) for line in omakase_lines("check")]
    assert [(c.command.name, c.params["fmt"]) for c in check] == [("check", "github")]
    built = [parse(line) for line in omakase_lines("build")]
    assert [c.command.name for c in built] == ["build"]


@pytest.mark.parametrize(
    "line",
    [
        "omakase check --format gitlab",
        "omakase build --base-uri https://example.org/",
        "omakase publish",
        "omakase new menu",
    ],
)
def test_a_line_the_cli_would_refuse_fails_to_parse(line: str) -> None:
    with pytest.raises(click.UsageError):
        parse(line)


def test_the_build_job_restores_and_saves_the_build_state_and_caches() -> None:
    data = workflow()
    (cache,) = [s for s in steps("build") if str(s.get("uses", "")).startswith("actions/cache@")]
    paths = set(cache["with"]["path"].split())
    db = Settings(root=Path("/site")).resolve().db_path
    output = Settings(root=Path("/site")).resolve().output_dir
    caches = (cache_dir(db, name) for name in CACHES)
    expected = {db, db.with_name(db.name + ".state"), *caches, output, Shadow(output, None).path}
    assert paths == {str(p.relative_to("/site")) for p in expected}
    assert "github.ref_name" in cache["with"]["key"]
    assert cache["with"]["restore-keys"].splitlines()[0] == "omakase-${{ github.ref_name }}-"
    order = [s.get("uses", s.get("run", "")) for s in steps("build")]
    at = {what.split("@")[0].split()[0]: i for i, what in enumerate(order)}
    assert (
        at["actions/cache"] < at["omakase"] < at["actions/upload-pages-artifact"] < at["actions/deploy-pages"]
    )
    assert data["jobs"]["build"]["permissions"]["pages"] == "write"
    assert data["jobs"]["build"]["permissions"]["id-token"] == "write"


def test_the_build_gets_the_share_secret_and_deploys_the_output() -> None:
    (build,) = [s for s in steps("build") if str(s.get("run", "")).startswith("omakase build")]
    assert build["env"] == {SECRET_ENV: "${{ secrets." + SECRET_ENV + " }}"}
    (upload,) = [s for s in steps("build") if str(s.get("uses", "")).startswith("actions/upload-pages")]
    assert upload["with"]["path"] == "output"
    installs = [
        s["run"] for job in ("check", "build") for s in steps(job) if "pip install" in s.get("run", "")
    ]
    # This repository installs itself; a site's copy of the file installs the package.
    assert installs == ["if [ -f pyproject.toml ]; then pip install .; else pip install omakase; fi"] * 2
