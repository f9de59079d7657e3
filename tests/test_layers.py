"""Imports run one way: domain ← applications ← read models ← the system ← web, admin and
commands; the domain and the applications know no Django; infrastructure imports no app.

Read from each module's import statements (those inside functions too), so a lazy
import against the direction fails here as well.
"""

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.in_memory

ROOT = Path(__file__).resolve().parent.parent
APPS = ("accounts", "sagas", "audit")
PROJECT_PACKAGES = (*APPS, "bankproject", "infrastructure", "benchmarks")

DOMAIN = {
    "accounts.domain",
    "accounts.errors",
    "accounts.money",
    "accounts.numbers",
    "sagas.domain",
    "sagas.requestids",
    "sagas.requests",
}
APPLICATIONS = {"accounts.application", "sagas.application"}
READ_MODELS = {f"{app}.{part}" for app in APPS for part in ("models", "projections")}
SYSTEM = {"bankproject.system"}
LAYERS = ["domain", "applications", "read models", "the system", "web, admin and commands"]


def layer(module: str) -> int:
    for rank, members in enumerate((DOMAIN, APPLICATIONS, READ_MODELS, SYSTEM)):
        if module in members:
            return rank
    return 4


def project_modules():
    for package in PROJECT_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "migrations" in parts:
                continue
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            yield name, path


def imported(path: Path):
    """What each import statement in the file names (a module, or a name in one)."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def project_module(name: str, known: set[str]) -> str | None:
    """The project module an imported name is, or is in (None for other packages)."""
    while name:
        if name in known:
            return name
        name = name.rpartition(".")[0]
    return None


MODULES = dict(project_modules())


def test_the_layers_name_real_modules():
    assert DOMAIN | APPLICATIONS | SYSTEM <= set(MODULES)
    assert {"accounts.projections", "sagas.projections", "sagas.models", "accounts.models"} <= set(MODULES)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_import_runs_against_the_direction(module):
    for name in imported(MODULES[module]):
        target = project_module(name, set(MODULES))
        if target is None or target == module:
            continue
        if module.startswith("infrastructure"):
            assert target.split(".")[0] == "infrastructure", (
                f"{module} (infrastructure) imports the app {target}"
            )
        elif not target.startswith("infrastructure"):
            assert layer(target) <= layer(module), (
                f"{module} ({LAYERS[layer(module)]}) imports {target} ({LAYERS[layer(target)]})"
            )


@pytest.mark.parametrize("module", sorted(DOMAIN | APPLICATIONS))
def test_the_domain_and_the_applications_know_no_django_and_no_infrastructure(module):
    for name in imported(MODULES[module]):
        assert name.split(".")[0] not in ("django", "infrastructure", "bankproject"), (
            f"{module} imports {name}"
        )
