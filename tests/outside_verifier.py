"""Credentials checked by code the app does not use: Digital Bazaar's vc and data-integrity
libraries with the eddsa-rdfc-2022 and eddsa-jcs-2022 cryptosuites (tests/js/
verify-credential.mjs), given the app's shipped JSON-LD contexts and nothing from the network.

Skipped when Node or the npm packages are missing (`npm install`), unless
TRAINING_REQUIRE_TOOLS=1, where a missing tool fails the test."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from training_app.certificates import linked_data

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tests" / "js" / "verify-credential.mjs"
REQUIRED = ("@digitalbazaar/vc", "@digitalbazaar/data-integrity",
            "@digitalbazaar/eddsa-rdfc-2022-cryptosuite",
            "@digitalbazaar/eddsa-jcs-2022-cryptosuite", "@digitalbazaar/ed25519-multikey")
SUITES = ("eddsa-rdfc-2022", "eddsa-jcs-2022")


def _node_or_skip() -> str:
    node = shutil.which("node")
    missing = [name for name in REQUIRED if not (ROOT / "node_modules" / name).is_dir()]
    if node and not missing:
        return node
    why = ("Node.js is not installed" if not node else
           "npm packages missing (run npm install): " + ", ".join(missing))
    if os.environ.get("TRAINING_REQUIRE_TOOLS") == "1":
        pytest.fail(f"the outside credential verifier cannot run: {why}")
    pytest.skip(f"the outside credential verifier cannot run: {why}")


def verify_outside(checks: list[tuple[dict, str]], documents: dict | None = None,
                   now: str | None = None) -> list[dict]:
    """[{"verified": bool, "errors": [...]}] for each (credential, cryptosuite)."""
    node = _node_or_skip()
    request = {
        "checks": [{"credential": credential, "cryptosuite": suite}
                   for credential, suite in checks],
        "contexts": {url: linked_data.shipped_context(url) for url in linked_data.CONTEXT_FILES},
        "documents": documents or {},
        "now": now,
    }
    done = subprocess.run([node, str(SCRIPT)], input=json.dumps(request), cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)
