"""The server package's import graph has no cycle, counting every module: the package
modules (``server/__init__.py``, ``server/api/__init__.py``...) and imports made inside
functions included.

import-linter's ``acyclic_siblings`` contract (.importlinter) finds cycles between the
children of each package but not one through a package's own ``__init__`` (``server`` →
``server.cli`` → ``server``); this test covers both, with grimp, import-linter's graph.
"""

from __future__ import annotations

from pathlib import Path

import grimp
import pytest


def import_cycles(package: str) -> list[list[str]]:
    """One shortest cycle through each import that is part of a cycle, as module chains."""
    graph = grimp.build_graph(package, cache_dir=None)
    cycles: dict[frozenset[str], list[str]] = {}
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back:
                cycle = [importer, *back]
                cycles.setdefault(frozenset(cycle), cycle)
    return list(cycles.values())


def test_server_has_no_import_cycle() -> None:
    cycles = import_cycles("server")
    assert not cycles, "import cycles in server:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_a_cycle_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "cyclic"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from cyclic import b\n")
    (package / "b.py").write_text("def f():\n    from cyclic import a\n")  # inside a function too
    (package / "c.py").write_text("from cyclic import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert import_cycles("cyclic") == [["cyclic.a", "cyclic.b", "cyclic.a"]]
