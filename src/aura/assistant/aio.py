"""Run a blocking iterator (a model generating tokens) in a worker thread and consume it
from async code, so the event loop never waits on inference.

When the consumer stops early (a closed WebSocket, a client that dropped an SSE stream,
a cancelled task) the worker notices at the next item, closes the blocking iterator
(which releases the model for the next request) and exits; nothing leaks and the
process keeps serving.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import Executor
from typing import TypeVar

T = TypeVar("T")


async def iterate_in_thread(
    make: Callable[[], Iterator[T]], executor: Executor | None = None, *, buffer: int = 64
) -> AsyncIterator[T]:
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[object] = asyncio.Queue(maxsize=buffer)
    stop = threading.Event()

    def put(item: object) -> None:
        # blocks the worker (not the loop) while the consumer is behind
        future = asyncio.run_coroutine_threadsafe(queue.put(item), loop)
        while not stop.is_set():
            try:
                future.result(timeout=0.25)
                return
            except TimeoutError:
                continue
        future.cancel()

    def work() -> None:
        iterator = None
        try:
            iterator = make()
            for item in iterator:
                if stop.is_set():
                    break
                put(("item", item))
            else:
                put(("done", None))
                return
        except BaseException as exc:  # handed to the consumer, raised there
            put(("error", exc))
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                close()

    task = loop.run_in_executor(executor, work)
    try:
        while True:
            kind, value = await queue.get()  # type: ignore[misc]
            if kind == "item":
                yield value
            elif kind == "error":
                raise value
            else:
                break
    finally:
        stop.set()
        # drain so a worker blocked on a full queue can finish
        while not queue.empty():
            queue.get_nowait()
        # the worker exits on its own at the next item; awaiting it here could hold a
        # cancelled request for a whole token
        del task
