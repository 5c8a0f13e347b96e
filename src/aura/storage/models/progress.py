"""Byte progress of a pull, reported to whoever shows it (the CLI draws rich bars).

``huggingface_hub`` reports progress through a ``tqdm`` class it is given. This module makes
one whose only effect is calling a :class:`ProgressSink`; the storage code never prints.
"""

from __future__ import annotations

from typing import Any, Protocol

# The aggregate byte bar of snapshot_download (other bars count files or raw transfer).
_AGGREGATE_BAR = "huggingface_hub.snapshot_download"


class ProgressSink(Protocol):
    def start(self, model: str, total: int | None) -> None: ...

    def advance(self, model: str, nbytes: int, total: int | None) -> None: ...

    def finish(self, model: str, status: str) -> None: ...


class NullSink:
    def start(self, model: str, total: int | None) -> None:
        pass

    def advance(self, model: str, nbytes: int, total: int | None) -> None:
        pass

    def finish(self, model: str, status: str) -> None:
        pass


def tqdm_class_for(model: str, sink: ProgressSink) -> type:
    """A silent tqdm subclass that forwards the aggregate byte count of one pull to ``sink``."""
    from huggingface_hub.utils import tqdm as hf_tqdm

    class _SinkTqdm(hf_tqdm):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            self._aura_forward = kwargs.get("name") == _AGGREGATE_BAR
            kwargs["disable"] = True  # never draw; the sink draws
            super().__init__(*args, **kwargs)
            if self._aura_forward:
                sink.start(model, None)

        def update(self, n: float | None = 1) -> bool | None:
            if self._aura_forward and n:
                sink.advance(model, int(n), int(self.total) if self.total else None)
            return super().update(n)

    return _SinkTqdm
