"""The CLI's error contract: every failure class becomes one line and exit status 2."""

from __future__ import annotations

import errno

from reasonlab.cli import main, os_message


def test_os_errors_become_one_actionable_line():
    assert os_message(OSError(errno.ENOSPC, "No space left on device", "/d")) == (
        "No space left on device: /d; free some space or write elsewhere")
    assert "read-only" in os_message(OSError(errno.EROFS, "Read-only file system", "/r"))
    assert os_message(PermissionError(errno.EACCES, "Permission denied", "/p")).endswith(
        "choose a folder you can write to, or fix its permissions")


def test_usage_and_input_errors_exit_2_in_one_line(capsys, tmp_path):
    assert main(["causal", "query"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and len(err.strip().splitlines()) == 1 and "--help" in err
    assert main(["generate", str(tmp_path / "missing.yaml")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["--help"]) == 0
