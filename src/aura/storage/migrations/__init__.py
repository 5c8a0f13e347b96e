"""Alembic migrations, shipped inside the package and run by :mod:`aura.storage.migrate`."""
