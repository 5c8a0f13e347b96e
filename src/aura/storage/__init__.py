"""Everything that writes state to disk or to a backing service. Services use only this."""
