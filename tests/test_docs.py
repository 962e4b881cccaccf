"""Every command is documented in the README; the curator's workflow commands with every option."""

from __future__ import annotations

import click

from generator.cli import main
from tests.sitekit import PROJECT

WORKFLOW = ("new", "fork", "share", "serve", "check", "schema")


def test_readme_documents_every_command_and_option() -> None:
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    for name, command in main.commands.items():
        assert f"omakase {name}" in readme, f"README does not show `omakase {name}`"
        if name not in WORKFLOW:
            continue
        subcommands = command.commands if isinstance(command, click.Group) else {"": command}
        for sub_name, sub in subcommands.items():
            if sub_name:
                assert f"omakase {name} {sub_name}" in readme, f"`omakase {name} {sub_name}`"
            for param in sub.params:
                if isinstance(param, click.Option) and param.name not in (
                    "root",
                    "content_dir",
                    "output_dir",
                    "db_path",
                    "templates_dir",
                    "help",
                ):
                    assert any(opt in readme for opt in param.opts), (
                        f"README does not mention {param.opts[0]} of `omakase {name}`"
                    )
