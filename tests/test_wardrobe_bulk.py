"""`aura wardrobe import`: a JSON-lines file becomes items with embeddings, in the change
sequence, indexed; with or without a running server; a bad file writes nothing."""

from __future__ import annotations

import json
from pathlib import Path

from aura.config import load_settings
from aura.layout import DataTree
from aura.storage import changes
from aura.storage.db import Database
from aura.wardrobe.bulk import read_items
from tests.server import AuraServer, run_aura
from tests.wardrobe_client import Client, create_user

COLORS = ["red", "navy", "green", "black", "white"]
CATEGORIES = ["shirt", "jeans", "coat", "dress", "boots", "scarf"]


def _write(path: Path, rows: list[object]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def _items(n: int, tag: str) -> list[dict[str, object]]:
    return [
        {
            "category": CATEGORIES[i % len(CATEGORIES)],
            "colors": [COLORS[i % len(COLORS)]],
            "description": f"{tag} bulk item {i}",
        }
        for i in range(n)
    ]


def test_a_bad_line_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = {"AURA_DATA_DIR": str(data_dir)}
    create_user(data_dir, {}, "ann")
    bad = _write(tmp_path / "bad.jsonl", [*_items(3, "ok"), {"category": "", "colors": []}])
    result = run_aura("wardrobe", "import", str(bad), "--user", "ann", env=env)
    assert result.returncode == 2 and "line 4" in result.stderr, result.stderr
    unknown = _write(tmp_path / "u.jsonl", [{"category": "hat", "price": 3}])
    assert "price" in run_aura("wardrobe", "import", str(unknown), "--user", "ann", env=env).stderr
    nobody = run_aura("wardrobe", "import", str(bad), "--user", "zed", env=env)
    assert nobody.returncode == 2
    db = Database(DataTree(load_settings(data_dir=data_dir)).database_url)
    try:
        with db.session() as s:
            from sqlalchemy import func, select

            from aura.storage.schema import WardrobeItem

            assert s.scalar(select(func.count()).select_from(WardrobeItem)) == 0
    finally:
        db.close()
    assert read_items(_write(tmp_path / "ok.jsonl", _items(2, "x")))[1]["colors"] == ["navy"]


def test_imported_items_are_indexed_and_searchable_with_and_without_a_server(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    env = {"AURA_DATA_DIR": str(data_dir)}
    key = create_user(data_dir, {}, "ann")
    rows = _items(40, "offline")
    first = _write(tmp_path / "first.jsonl", [*rows, rows[0]])  # a repeated item too
    done = run_aura(
        "wardrobe", "import", str(first), "--user", "ann", "--batch", "16", "--json", env=env
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["items"] == 41
    status = json.loads(run_aura("index", "status", "--json", env=env).stdout)
    assert status["manifest"]["count"] == 41  # a snapshot, written by the import
    with AuraServer(data_dir) as server:
        server.wait_ready(timeout=300)
        client = Client(server, key)
        items = client.all_items()
        assert len(items) == 41 and {i["source"] for i in items} == {"import"}
        assert items[7]["id"] in client.search_ids("green jeans. offline bulk item 7", 3)
        # while the server runs (and holds the index): the server catches up by itself
        second = _write(tmp_path / "second.jsonl", _items(5, "online"))
        live = run_aura("wardrobe", "import", str(second), "--user", "ann", env=env)
        assert live.returncode == 0, live.stderr
        assert "catches up" in live.stdout
        new = [i for i in client.all_items() if "online" in i["description"]]
        assert len(new) == 5
        assert new[3]["id"] in client.search_ids("black dress. online bulk item 3", 3)
        server.stop()
    db = Database(DataTree(load_settings(data_dir=data_dir)).database_url)
    try:
        from aura.wardrobe.embedder import TextEmbedder

        space = TextEmbedder.from_store(load_settings(data_dir=data_dir)).space
        assert changes.last_seq(db, space) == 46  # one change per item, no gaps
        done_changes = changes.changes_after(db, space, 0)
        assert [c.seq for c in done_changes] == list(range(1, 47))
        by_item = {c.item_id: c.vector for c in done_changes}
        first_id, repeat_id = items[0]["id"], items[40]["id"]
        assert first_id != repeat_id and (by_item[first_id] == by_item[repeat_id]).all()
    finally:
        db.close()
