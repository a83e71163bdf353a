import json
import logging
import sys

from balint.logs import JsonFormatter


def test_a_record_becomes_one_json_object_with_its_extras():
    record = logging.makeLogRecord(
        {"name": "balint.test", "levelname": "WARNING", "msg": "%s failed", "args": ("export",)}
    )
    record.scheme_id = 7

    entry = json.loads(JsonFormatter().format(record))

    assert entry["message"] == "export failed"
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "balint.test"
    assert entry["scheme_id"] == 7
    assert "T" in entry["time"]


def test_an_exception_is_kept():
    try:
        raise ValueError("bad")
    except ValueError:
        record = logging.getLogger("x").makeRecord(
            "x", logging.ERROR, __file__, 1, "boom", (), exc_info=sys.exc_info()
        )
    entry = json.loads(JsonFormatter().format(record))
    assert "ValueError: bad" in entry["exception"]
