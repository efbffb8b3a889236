"""Both cores on a large scan: the parse phase and the rule phase in processes.

Imported only by a scan large enough to use it (multiprocessing costs ~25 ms to import).

- Parsing: a pool of `workers - 1` processes takes small chunks of files from the front
  while this process parses chunks from the back that no worker has started, so no core
  idles (the parent would otherwise only wait and unpickle) and the files this process
  parses never cross a pipe. Outcomes arrive in any order; the caller restores its own.
- Rules: after the deployment is built, one forked child inherits it copy-on-write and
  both processes take (rule, subject chunk) work items from a shared pipe; the child sends
  back what it produced (findings, diagnostics, the secrets it saw: small), and the caller
  merges everything in the serial order, so the output is byte-identical to one process.
"""

from __future__ import annotations

import gc
import os
import pickle
import struct
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def _map_chunk(function: Callable[[T], R], chunk: Sequence[T]) -> list[R]:
    return [function(item) for item in chunk]


def parse_in_processes(items: Sequence[T], workers: int, function: Callable[[T], R],
                       handle: Callable[[int, R], None]) -> None:
    """Call `handle(index, function(items[index]))` for every item, the calls spread over
    `workers - 1` pool processes and this one; `handle` runs here, in completion order."""
    from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait

    # Small chunks: the last ones decide how long one core idles at the end, and a worker
    # holds only the chunk it runs plus one or two queued (the rest can still be taken back).
    size = max(1, min(16, len(items) // (workers * 16)))
    starts = list(range(0, len(items), size))

    def take(future: Future[list[R]], start: int) -> None:
        for offset, outcome in enumerate(future.result()):
            handle(start + offset, outcome)

    with ProcessPoolExecutor(max_workers=max(1, workers - 1)) as pool:
        futures = [pool.submit(_map_chunk, function, items[start:start + size])
                   for start in starts]
        owner = {id(future): start for future, start in zip(futures, starts, strict=True)}
        remaining = set(futures)
        mine = len(futures)
        # From the back: a chunk no worker has started is cancelled and parsed here.
        while mine > 0 and futures[mine - 1].cancel():
            mine -= 1
            remaining.discard(futures[mine])
            start = starts[mine]
            for offset, item in enumerate(items[start:start + size]):
                handle(start + offset, function(item))
            finished = [f for f in remaining if f.done()]
            for future in finished:
                remaining.discard(future)
                take(future, owner[id(future)])
        while remaining:
            finished_set, _ = wait(remaining, return_when=FIRST_COMPLETED)
            for future in sorted(finished_set, key=lambda f: owner[id(f)]):
                remaining.discard(future)
                take(future, owner[id(future)])


_held = False


def hold() -> None:
    """Freeze the collector's view of everything alive now (the parsed models, then the
    built deployment): they live until the scan's rule phase ends, and a full collection
    would walk them again and again (a quarter of a second on 2,000 Terraform files), and
    in a forked child would touch, and so copy, every inherited page. `release` undoes it."""
    global _held
    gc.freeze()
    _held = True


def release() -> None:
    """Give what `hold` froze back to the collector (garbage among it is then collected)."""
    global _held
    if _held:
        gc.unfreeze()
        _held = False


def fork_usable() -> bool:
    """Whether the rule phase may fork: POSIX fork, and no other thread running (a thread
    holding a lock at fork time would leave the child's copy of that lock held forever)."""
    return hasattr(os, "fork") and sys.platform != "darwin" and threading.active_count() == 1


def run_shared(count: int, run: Callable[[int], T]) -> list[T]:
    """`[run(i) for i in range(count)]`, the calls shared between this process and one
    forked child that inherits everything (the built deployment) copy-on-write.

    Work is handed out through a pipe holding every index: both processes read the next
    index (reads of 4 bytes from a pipe are atomic), so the faster one takes more. The
    child's results come back pickled; anything it cannot pickle, or a child that dies,
    makes this process run those items itself. `run` must not depend on which process
    ran earlier items (results are merged by index)."""
    if count == 0:
        return []
    tasks_r, tasks_w = os.pipe()
    indices = b"".join(struct.pack("=I", i) for i in range(count))
    # Written whole before the fork, so never blocking: a pipe holds 64 KiB (16,384
    # indices), less when the user's pipe buffers are short; then one process does it all.
    os.set_blocking(tasks_w, False)
    try:
        written = os.write(tasks_w, indices)
    except BlockingIOError:
        written = 0
    os.close(tasks_w)
    if written < len(indices):
        os.close(tasks_r)
        return [run(i) for i in range(count)]
    results_r, results_w = os.pipe()
    hold()  # the child's collector then never walks (and so never copies) the inherited heap
    try:
        pid = os.fork()
    except OSError:
        os.close(results_r)
        os.close(results_w)
        os.close(tasks_r)
        return [run(i) for i in range(count)]
    if pid == 0:  # the child: never returns
        os.close(results_r)
        code = 0
        try:
            done = {index: run(index) for index in _indices(tasks_r)}
            payload = pickle.dumps(done, protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException:  # the parent runs whatever is missing
            payload, code = pickle.dumps({}), 1
        try:
            with os.fdopen(results_w, "wb") as out:
                out.write(payload)
        finally:
            os._exit(code)
    os.close(results_w)
    ours: dict[int, T] = {}
    try:
        for index in _indices(tasks_r):
            ours[index] = run(index)
    finally:
        os.close(tasks_r)
    with os.fdopen(results_r, "rb") as incoming:
        data = incoming.read()
    os.waitpid(pid, 0)
    try:
        theirs: dict[int, T] = pickle.loads(data) if data else {}
    except Exception:
        theirs = {}
    results: list[T] = []
    for index in range(count):
        if index in ours:
            results.append(ours[index])
        elif index in theirs:
            results.append(theirs[index])
        else:  # the child failed before finishing it
            results.append(run(index))
    return results


def _indices(fd: int) -> Any:
    while True:
        data = os.read(fd, 4)
        if len(data) < 4:
            return
        yield struct.unpack("=I", data)[0]
