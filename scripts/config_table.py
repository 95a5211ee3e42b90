"""Print every environment variable of every service as a Markdown table.

    .venv/bin/python scripts/config_table.py                            # the table
    .venv/bin/python scripts/config_table.py --names                    # names only
    .venv/bin/python scripts/config_table.py --update deploy/README.md  # rewrite in place

Read off the services' own settings classes (each `voiceclone_<service>.config`), so
it is as current as the code: env prefix + field name, or the field's explicit alias.
tests/deploy/test_config_table.py checks that deploy/README.md names every one of them.
`--update` rewrites the first table of that header in a Markdown file: rows follow the
code, and a meaning written by hand is kept where the code's field has no description.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import AliasChoices
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

# (service as the stack names it, its config module)
CONFIG_MODULES = (
    ("gateway", "voiceclone_gateway.config"),
    ("encoder", "voiceclone_encoder.config"),
    ("synthesizer", "voiceclone_synthesizer.config"),
    ("vocoder", "voiceclone_vocoder.config"),
)


@dataclass(frozen=True)
class Variable:
    name: str
    service: str
    default: str
    meaning: str


def settings_classes(module: Any) -> Iterator[type]:
    """The settings classes a service instantiates: those with an env prefix of their own."""
    from voiceclone_common.settings import ServiceSettings

    for _, cls in inspect.getmembers(module, inspect.isclass):
        if (issubclass(cls, ServiceSettings) and cls.__module__ == module.__name__
                and cls.model_config.get("env_prefix")):
            yield cls


def env_names(prefix: str, field_name: str, field: FieldInfo) -> list[str]:
    alias = field.validation_alias
    if isinstance(alias, str):
        return [alias]
    if isinstance(alias, AliasChoices):
        return [str(choice) for choice in alias.choices]
    return [f"{prefix}{field_name}".upper()]


def _default(field: FieldInfo) -> str:
    if field.default is PydanticUndefined:
        value = field.default_factory() if field.default_factory else ""  # type: ignore[call-arg]
    else:
        value = field.default
    if value is None or value == "":
        return "(empty)"
    return str(value)


def variables() -> tuple[list[Variable], list[str]]:
    """Every variable, and the services whose config module is not importable."""
    found: dict[str, Variable] = {}
    missing = []
    for service, module_name in CONFIG_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:
            missing.append(service)
            continue
        for cls in settings_classes(module):
            prefix = cls.model_config["env_prefix"]
            owner = "synthesizer-model" if prefix == "SYNTHESIZER_MODEL_" else service
            for field_name, field in cls.model_fields.items():
                for name in env_names(prefix, field_name, field):
                    if name in found:  # shared ones (MODELS_DIR...) once
                        if owner not in found[name].service.split(", "):
                            previous = found[name]
                            found[name] = Variable(name, f"{previous.service}, {owner}",
                                                   previous.default, previous.meaning)
                        continue
                    meaning = (field.description or "").replace("|", "\\|")
                    found[name] = Variable(name, owner, _default(field), meaning)
    return sorted(found.values(), key=lambda v: v.name), missing


HEADER = "| variable | service | default | meaning |"
RULE = "|---|---|---|---|"


def _service_column(v: Variable) -> str:
    return "every service" if v.name in {"DATA_DIR", "MODELS_DIR"} else v.service


def table(found: list[Variable], known_meanings: dict[str, str] | None = None) -> str:
    known_meanings = known_meanings or {}
    rows = [HEADER, RULE]
    for v in found:
        meaning = known_meanings.get(v.name) or v.meaning
        rows.append(f"| `{v.name}` | {_service_column(v)} | `{v.default}` | {meaning} |")
    return "\n".join(rows)


def update(path: Path, found: list[Variable]) -> None:
    """Replace the table under HEADER in `path`, keeping hand-written meanings."""
    lines = path.read_text().split("\n")
    start = lines.index(HEADER)
    end = start + 2
    while end < len(lines) and lines[end].startswith("| `"):
        end += 1
    meanings = {}
    for line in lines[start + 2:end]:
        cells = [c.strip() for c in line.strip("|").split(" | ")]
        if len(cells) == 4 and cells[3]:
            meanings[cells[0].strip("`")] = cells[3]
    lines[start:end] = table(found, meanings).split("\n")
    path.write_text("\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--names", action="store_true", help="only the variable names")
    parser.add_argument("--update", type=Path, help="rewrite the table in this Markdown file")
    args = parser.parse_args(argv)
    found, missing = variables()
    if args.update:
        update(args.update, found)
    elif args.names:
        print("\n".join(v.name for v in found))
    else:
        print(table(found))
    if missing:
        print(f"\n(not importable, so not listed: {', '.join(missing)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
