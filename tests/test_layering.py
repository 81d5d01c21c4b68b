"""The layers' import rules, read from the source with `ast` (so comments and strings never count).

- core never imports bot;
- core never imports `sqlalchemy`, `sqlmodel` or `storage.tables`, except `Session` from
  `sqlmodel` under `if TYPE_CHECKING:` (a session per transaction is passed down into the core,
  and its type is worth checking; at run time the core loads no SQL library);
- storage imports only `core.models` and `core.errors` from the core, and no platform library;
- platform adapters (bot/telegram, bot/slack, bot/console.py) import only core types, the
  command core and the delivery interface: no storage, no ORM session. The one SQL they may
  hold is the Slack installation store, which backs slack_sdk's own SQLAlchemy stores.

KNOWN lists modules that break a rule today and are being fixed on other branches. They run as
strict xfails: once a fix is merged the test XPASSes, fails, and its entry must be deleted.
The lead empties this list after merging; nothing here is skipped silently.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# (rule, module path) → who removes the violation
KNOWN: dict[tuple[str, str], str] = {}

SQL = ("sqlalchemy", "sqlmodel")
PLATFORMS = ("telegram", "slack_sdk", "slack_bolt")
ADAPTER_CORE = (
    "core.models",
    "core.errors",
    "core.commands.core",
    "core.commands.registry",
    "core.commands.syntax",  # how the adapter's platform writes a command
    "core.commands.form",  # the whole-profile form a Slack modal submits
    "core.deliver.sender",
    "core.digest.model",
    "core.digest.render_text",
)
ADAPTER_EDGE = ("bot.buttons", "bot.web", "bot.health", "bot.questions")  # shared edge helpers


@dataclass(frozen=True)
class Import:
    module: str
    names: tuple[str, ...]
    type_only: bool  # under `if TYPE_CHECKING:`
    line: int

    def within(self, *prefixes: str) -> bool:
        return any(self.module == p or self.module.startswith(p + ".") for p in prefixes)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(path: Path) -> list[Import]:
    """Every import in a module, wherever it is (functions included)."""
    found: list[Import] = []

    def visit(node: ast.AST, type_only: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                found.extend(Import(a.name, (), type_only, child.lineno) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                assert child.level == 0, f"{path}:{child.lineno}: use absolute imports"
                names = tuple(a.name for a in child.names)
                found.append(Import(child.module or "", names, type_only, child.lineno))
            if isinstance(child, ast.If) and _is_type_checking(child.test):
                for part in child.body:
                    visit(ast.Module(body=[part], type_ignores=[]), True)
                for part in child.orelse:
                    visit(ast.Module(body=[part], type_ignores=[]), type_only)
            else:
                visit(child, type_only)

    visit(ast.parse(path.read_text(), str(path)), False)
    return found


def _files(*patterns: str) -> list[str]:
    return sorted({str(p.relative_to(ROOT)) for pattern in patterns for p in ROOT.glob(pattern)})


def _params(rule: str, files: list[str]) -> list[object]:
    return [
        pytest.param(f, marks=pytest.mark.xfail(strict=True, reason=KNOWN[(rule, f)]))
        if (rule, f) in KNOWN
        else f
        for f in files
    ]


def _show(path: str, bad: list[Import]) -> str:
    return "; ".join(f"{path}:{i.line} imports {i.module} {list(i.names) or ''}".strip() for i in bad)


CORE = _files("core/**/*.py")
STORAGE = _files("storage/**/*.py")
ADAPTERS = _files("bot/telegram/**/*.py", "bot/slack/**/*.py", "bot/console.py")


@pytest.mark.parametrize("path", CORE)
def test_core_never_imports_the_edge(path: str) -> None:
    bad = [i for i in imports_of(ROOT / path) if i.within("bot")]
    assert not bad, _show(path, bad)


def _core_sql_allowed(i: Import) -> bool:
    return i.type_only and i.module == "sqlmodel" and i.names == ("Session",)


@pytest.mark.parametrize("path", _params("core-sql", CORE))
def test_core_knows_no_sql_and_no_table(path: str) -> None:
    bad = [
        i
        for i in imports_of(ROOT / path)
        if (i.within(*SQL) and not _core_sql_allowed(i))
        or i.within("storage.tables")
        or (i.module == "storage" and "tables" in i.names)
    ]
    assert not bad, _show(path, bad)


# A data migration may call the pure converter it repairs text with; nothing else in core.
DATA_MIGRATIONS = {"storage/migrations/versions/0008_rerender_tex.py": ("core.ingest.texify",)}


@pytest.mark.parametrize("path", STORAGE)
def test_storage_imports_only_the_core_models_and_errors(path: str) -> None:
    allowed = ("core.models", "core.errors", *DATA_MIGRATIONS.get(path, ()))
    bad = [
        i
        for i in imports_of(ROOT / path)
        if i.within("bot")
        or (i.within("core") and i.module != "core" and not i.within(*allowed))
        or (i.module == "core" and set(i.names) - {"models", "errors"})
    ]
    assert not bad, _show(path, bad)


@pytest.mark.parametrize("path", _params("storage-platform", STORAGE))
def test_storage_knows_no_platform(path: str) -> None:
    bad = [i for i in imports_of(ROOT / path) if i.within(*PLATFORMS)]
    assert not bad, _show(path, bad)


@pytest.mark.parametrize("path", _params("adapter", ADAPTERS))
def test_adapters_import_only_core_types_and_the_command_core(path: str) -> None:
    found = imports_of(ROOT / path)
    own = path.split("/")[1].removesuffix(".py")  # telegram, slack or console
    installation_store = any(i.within("slack_sdk.oauth") for i in found)
    bad = [
        i
        for i in found
        if i.within("storage", "sqlmodel")
        or (i.within("sqlalchemy") and not installation_store)
        or (i.within("core") and not i.within(*ADAPTER_CORE))
        or (i.within("bot") and not i.within(*ADAPTER_EDGE, f"bot.{own}"))
    ]
    assert not bad, _show(path, bad)


def test_the_rules_see_what_they_check(tmp_path: Path) -> None:
    """The parser finds imports in functions and tells type-only ones apart."""
    module = tmp_path / "m.py"
    module.write_text(
        "from typing import TYPE_CHECKING\n"
        "import bot.cli\n"
        "if TYPE_CHECKING:\n    from sqlmodel import Session\nelse:\n    import sqlalchemy\n"
        "def f():\n    from storage.tables import Paper\n"
    )
    found = {(i.module, i.type_only) for i in imports_of(module)}
    assert found == {
        ("typing", False),
        ("bot.cli", False),
        ("sqlmodel", True),
        ("sqlalchemy", False),
        ("storage.tables", False),
    }
    assert all(path in CORE + STORAGE + ADAPTERS for path, _ in [(p, r) for r, p in KNOWN])


MAX_LINES = 320  # "no module over ~300 lines": past this a module has more than one job


@pytest.mark.parametrize("path", _files("core/**/*.py") + _files("bot/**/*.py") + STORAGE)
def test_no_module_outgrows_one_job(path: str) -> None:
    lines = (ROOT / path).read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{path} has {lines} lines: split it"
