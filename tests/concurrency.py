"""Calls run at the same moment, each in its own thread and so on its own database
connection: for tests of what row locks and transactions decide (PostgreSQL).

    def saving(ready):
        session = Session.objects.get(pk=pk)  # what each request does before
        ready()  # then all go at once
        return register_save(...)

    results = at_once(saving, saving)
"""

import threading

from django.db import connection

# Guards against a deadlocked test; not performance assertions.
WAIT_SECONDS = 60


def at_once(*calls) -> list:
    """Each call's result, or the exception it raised, in order. A call is given `ready`,
    which it calls when it is set to go: the calls go on together once all are ready."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            results[index] = call(lambda: barrier.wait(timeout=WAIT_SECONDS / 2))
        except Exception as exc:  # judged by the test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=WAIT_SECONDS)
    assert not any(thread.is_alive() for thread in threads)
    return results
