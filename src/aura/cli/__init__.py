"""The `aura` command."""
