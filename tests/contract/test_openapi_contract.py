"""schemathesis against a real ``ringback serve``: every operation of /openapi.json, all checks.

The Callback API runs with an API key, the Workspace API with a signed-in agent and its
supervisor operations with a supervisor (schemathesis.toml). No server error, no response
outside its schema, no status or content type the document does not declare. The number of
examples per operation is bounded so the run takes a few minutes on both engines;
RINGBACK_CONTRACT_EXAMPLES and RINGBACK_CONTRACT_SEED change it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from tests.e2e.conftest import KEYS, PASSWORD, prepare
from tests.e2e.process import ringback_serve

pytestmark = [pytest.mark.e2e, pytest.mark.contract]

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "contract"
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


def sign_in(url: str, login: str) -> str:
    answer = httpx.post(
        f"{url}/api/v1/workspace/session", json={"login": login, "password": PASSWORD}
    )
    assert answer.status_code == 201, answer.text
    token: str = answer.json()["token"]
    return token


@pytest.mark.timeout(900)  # a few minutes on two cores; more when the machine is busy
def test_the_server_keeps_its_openapi_contract(database_url: str, tmp_path: Path) -> None:
    engine = database_url.split(":")[0]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    # A budget no run reaches: 429s are declared, but they would hide the rest of the API.
    keys = prepare(database_url, keys=KEYS | {"contract": (["*"], 1_000_000)})
    with ringback_serve(database_url, log=tmp_path / "serve.log") as url:
        env = os.environ | {
            "PYTHONPATH": str(ROOT),
            "RINGBACK_CONTRACT_API_KEY": keys["contract"],
            "RINGBACK_CONTRACT_AGENT_TOKEN": sign_in(url, "ada"),
            "RINGBACK_CONTRACT_SUPERVISOR_TOKEN": sign_in(url, "sue"),
            "RINGBACK_CONTRACT_SIGN_OUT_TOKEN": sign_in(url, "bob"),
        }
        run = subprocess.run(
            [
                str(SCHEMATHESIS),
                "--no-color",
                "--config-file",
                str(HERE / "schemathesis.toml"),
                "run",
                f"{url}/openapi.json",
                "--checks",
                "all",
                "--max-examples",
                os.environ.get("RINGBACK_CONTRACT_EXAMPLES", "25"),
                "--seed",
                os.environ.get("RINGBACK_CONTRACT_SEED", "20261206"),
                "--report",
                "junit",
                "--report-junit-path",
                str(ARTIFACTS / f"{engine}.xml"),
            ],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
    (ARTIFACTS / f"{engine}.txt").write_text(run.stdout + run.stderr, encoding="utf-8")
    assert run.returncode == 0, run.stdout[-20_000:] + run.stderr[-5_000:]
    assert "Tested: " in run.stdout, run.stdout
