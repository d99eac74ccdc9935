"""`alipay_sandbox.Sandbox` itself: life cycle, data directories, the admin API's errors, the binary lookup, and
the README showing the tests that run."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from alipay_sandbox import AdminError, Sandbox, SandboxError, find_binary

REPO = Path(__file__).resolve().parents[2]


def test_a_sandbox_starts_on_a_free_port_and_stop_cleans_up() -> None:
    with Sandbox() as a, Sandbox() as b:
        assert a.gateway_url != b.gateway_url  # two at once, each on its own OS-chosen port
        assert a.gateway_url.startswith("http://127.0.0.1:") and a.gateway_url.endswith("/gateway.do")
        assert "BEGIN PRIVATE KEY" in a.app_private_key
        assert "BEGIN RSA PRIVATE KEY" in a.app_private_key_pkcs1
        assert "BEGIN PUBLIC KEY" in a.alipay_public_key
        assert a.app_public_key != a.alipay_public_key
        data_dir = a.data_dir
        assert json.loads((data_dir / "app.json").read_text())["app_id"] == a.app_id
        assert a.clock()["offset_secs"] == 0
    assert not a.running and not data_dir.exists()


def test_a_given_data_dir_is_kept_across_restarts(tmp_path: Path) -> None:
    with Sandbox(tmp_path / "data") as first:
        app_id, buyer = first.app_id, first.create_buyer("3.00")["user_id"]
    assert (tmp_path / "data" / "sandbox.db").exists()
    with Sandbox(tmp_path / "data") as second:
        assert second.app_id == app_id
        assert second.buyer(buyer)["balance"] == "3.00"


def test_the_sandbox_log_has_no_private_key(tmp_path: Path) -> None:
    with Sandbox(tmp_path) as sandbox:
        key_body = sandbox.app_private_key.splitlines()[1]
    log = (tmp_path / "sandbox.log").read_text()
    assert "schema migrated" in log and key_body not in log


def test_admin_errors_raise_with_status_and_answer(alipay_sandbox: Sandbox) -> None:
    with pytest.raises(AdminError) as e:
        alipay_sandbox.confirm(out_trade_no="NO_SUCH_TRADE")
    assert 400 <= e.value.status < 500 and isinstance(e.value.answer["error"], str)


def test_reset_forgets_trades_and_makes_a_new_buyer(alipay_sandbox: Sandbox) -> None:
    old_buyer = alipay_sandbox.buyer_user_id
    alipay_sandbox.advance_clock(3600)
    alipay_sandbox.reset()
    assert alipay_sandbox.buyer_user_id != old_buyer
    assert alipay_sandbox.buyer()["balance"] == "10000.00"
    assert alipay_sandbox.clock()["offset_secs"] == 0


def test_find_binary_prefers_alipay_bin(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    installed = find_binary()
    assert Path(installed).is_file()
    monkeypatch.setenv("ALIPAY_BIN", str(tmp_path / "missing"))
    with pytest.raises(SandboxError, match="ALIPAY_BIN"):
        find_binary()
    monkeypatch.setenv("ALIPAY_BIN", installed)
    assert find_binary() == installed


def test_a_failing_start_reports_the_log(tmp_path: Path) -> None:
    sandbox = Sandbox(tmp_path, host="203.0.113.1")  # not an address of this machine: the bind fails
    with pytest.raises(SandboxError, match="cannot listen on 203.0.113.1"):
        sandbox.start()
    assert not sandbox.running


def test_the_readme_shows_the_test_that_runs() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    example = (Path(__file__).parent / "test_readme.py").read_text(encoding="utf-8")
    assert example in readme, "README.md's Python test must be python/tests/test_readme.py verbatim"
    assert "pip install ./python" in readme
