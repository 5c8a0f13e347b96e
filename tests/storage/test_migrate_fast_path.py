"""A warm start's database check: a database at head is recognised by one query, without
importing Alembic; the constant that says which revision is head follows the scripts."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import text

from aura.storage.db import Database
from aura.storage.migrate import HEAD_REVISION, head_revision, migrate_to, upgrade_to_head

CHECK = """
import sys
from aura.storage.db import Database
from aura.storage.migrate import upgrade_to_head
print(upgrade_to_head(Database(sys.argv[1])), "alembic" in sys.modules)
"""


def test_head_revision_constant_is_the_scripts_head() -> None:
    assert head_revision() == HEAD_REVISION, (
        "a migration was added: set HEAD_REVISION in aura/storage/migrate.py to its revision"
    )


def test_a_database_at_head_is_checked_without_alembic(database_url: str) -> None:
    first = upgrade_to_head(Database(database_url))
    assert first[1] == HEAD_REVISION
    warm = subprocess.run(
        [sys.executable, "-c", CHECK, database_url], capture_output=True, text=True, timeout=120
    )
    assert warm.returncode == 0, warm.stderr
    assert warm.stdout.split() == [f"('{HEAD_REVISION}',", f"'{HEAD_REVISION}')", "False"]
    # an older database takes the full path, which migrates it (and imports Alembic)
    db = Database(database_url)
    assert migrate_to(db, "0003") == (HEAD_REVISION, "0003")  # 0004 and later undone
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0003"
    before, after = upgrade_to_head(db)
    assert before == "0003" and after == HEAD_REVISION
