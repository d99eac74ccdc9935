"""A merchant for the refund suite of `alipay accept` (python/tests/test_accept.py): it refunds the way the
instruction says (`{"action": "refund", "out_trade_no", "refund_amount", "times"}`), each part under its own
`out_request_no`, through `alipay call` (a signed request with the app's key).

``python accept_merchant.py MODE ALIPAY_BIN APP_JSON`` with MODE:

* ``good``: when a refund's outcome is unknown (20000, or no answer), the same request again (same number);
* ``new-number``: then a new `out_request_no` for the same refund instead (breaks R2: a double refund).

The instruction comes from `ALIPAY_ACCEPT_INSTRUCTION` (or, in-process, from :func:`refund`'s arguments).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from typing import Any, Dict, Optional


def call(binary: str, config: str, method: str, biz: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """The verified answer, or ``None`` when none came (the outcome is unknown)."""
    done = subprocess.run([binary, "call", "--config", config, method, "--biz-content", json.dumps(biz), "--json"],
                          capture_output=True, text=True, check=False)
    try:
        return dict(json.loads(done.stdout))
    except ValueError:
        return None


def refund(binary: str, config: str, out_trade_no: str, amount: str, times: int, mode: str = "good") -> None:
    for part in range(times):
        number = f"RF-{uuid.uuid4().hex[:12]}-{part}"
        for _attempt in range(3):
            biz = {"out_trade_no": out_trade_no, "refund_amount": amount, "out_request_no": number}
            answer = call(binary, config, "alipay.trade.refund", biz)
            print(f"merchant: refund {number} -> {answer}", flush=True)
            if answer is not None and answer.get("code") != "20000":
                break
            if mode == "new-number":
                number = f"RF-{uuid.uuid4().hex[:12]}-{part}"  # wrong: a new number for the same refund


def main() -> None:
    mode, binary, config = sys.argv[1:4]
    instruction = json.loads(os.environ["ALIPAY_ACCEPT_INSTRUCTION"])
    assert instruction["action"] == "refund", instruction
    refund(binary, config, instruction["out_trade_no"], instruction["refund_amount"], int(instruction["times"]), mode)


if __name__ == "__main__":
    main()
