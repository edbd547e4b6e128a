"""``workbench serve``'s OpenAPI document is complete and true: Cog's own client accepts it (a port of
``cog predict``'s HTTP exchange), and schemathesis finds no answer that contradicts it (a bounded run:
every operation, schema-valid and schema-invalid requests)."""

from __future__ import annotations

import base64
import io
import re

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from PIL import Image
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import ignored_auth

from tests.generation.http.cog_harness import ScriptedBackend
from workbench.serve import ServerThread

TOKEN = "schemathesis-serve-token-7f3a"
#: Cases per operation and mode: enough to hit every status the document lists, quick on 2 cores.
EXAMPLES = 25


@pytest.fixture(scope="module")
def server():
    with ServerThread(ScriptedBackend(), token=TOKEN, concurrency=2) as running:
        yield running


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_schemathesis_finds_no_answer_that_contradicts_the_document(server, mode, record_property):
    # Loaded and driven by hand: schemathesis' pytest loader reads a pytest-internal attribute that
    # pytest 9 no longer has.
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    cases: dict[str, int] = {}
    fresh = [0]
    for result in schema.get_all_operations():
        operation = result.ok()
        if mode is GenerationMode.NEGATIVE and "predictions" not in operation.path:
            continue  # nothing to get wrong in a GET without parameters

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
        )
        def check(case) -> None:
            cases[case.operation.label] = cases.get(case.operation.label, 0) + 1
            if "Authorization" in (case.headers or {}):  # schemathesis' made-up token → the real one
                case.headers = {**case.headers, "Authorization": f"Bearer {TOKEN}"}
            ident = (case.path_parameters or {}).get("prediction_id")
            if case.method == "PUT" and ident is not None and re.fullmatch(r"[A-Za-z0-9_.-]{1,128}", ident):
                # A PUT to an id that exists re-joins that prediction whatever the body says (as coglet does,
                # and as the document says); a fresh id makes the body count.
                fresh[0] += 1
                case.path_parameters["prediction_id"] = f"fresh-{mode}-{fresh[0]}"
                given = case.body.get("id") if isinstance(case.body, dict) else None
                if isinstance(given, str) and re.fullmatch(r"[A-Za-z0-9_.-]{1,128}", given):
                    # The one rule OpenAPI cannot state: a PUT's body id, when given, is the path's (as in Cog).
                    case.body["id"] = case.path_parameters["prediction_id"]
            # The token is always the right one here (its absence is tested in test_guards), so schemathesis'
            # own wrong-token probe does not apply.
            case.call_and_validate(timeout=30, excluded_checks=[ignored_auth])

        check()
    record_property("schemathesis_cases", sum(cases.values()))
    print(f"schemathesis {mode}: {sum(cases.values())} cases", cases)
    assert {
        "POST /predictions",
        "PUT /predictions/{prediction_id}",
        "POST /predictions/{prediction_id}/cancel",
    } <= set(cases)


# -- Cog's own client: a port of `cog predict`'s HTTP exchange ---------------------------------------------
# From replicate/cog pkg/predict/predictor.go (waitForContainerReady, GetSchema, Predict) and pkg/cli/predict.go
# (runPrediction: the output schema is
# schema.Paths.Value(url).Post.Responses.Value("200").Value.Content["application/json"].Schema.Value
#   .Properties["output"].Value, and a string/uri output is a data URL written to a file).


class CogPredictError(Exception):
    pass


def _deref(document: dict, node: dict | None) -> dict | None:
    while isinstance(node, dict) and "$ref" in node:
        target: object = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target.get(part) if isinstance(target, dict) else None
        node = target if isinstance(target, dict) else None
    return node


def cog_predict(base_url: str, inputs: dict, output_path, headers: dict | None = None) -> str:
    """What ``cog predict -i ...`` does against a running server; returns where it wrote the output."""
    import time as _time

    deadline = _time.monotonic() + 30
    while True:  # waitForContainerReady: STARTING → wait, READY → go, anything else is an error
        status = httpx.get(f"{base_url}/health-check", timeout=0.25 * 20).json()["status"]
        if status == "READY":
            break
        if status != "STARTING":
            raise CogPredictError(f"Container healthcheck returned unexpected status: {status}")
        if _time.monotonic() > deadline:
            raise CogPredictError("Timed out")
        _time.sleep(0.1)
    response = httpx.post(
        f"{base_url}/predictions", json={"input": inputs, "context": {}}, headers=headers or {}, timeout=60
    )
    if response.status_code == 422:
        for item in response.json()["detail"]:
            if len(item["loc"]) != 3 or item["loc"][:2] != ["body", "input"]:
                raise CogPredictError(
                    "/predictions call returned status 422, and there was an unexpected message"
                )
        raise CogPredictError("The inputs you passed could not be validated")
    if response.status_code != 200:
        raise CogPredictError(f"/predictions call returned status {response.status_code}")
    prediction = response.json()
    document = httpx.get(f"{base_url}/openapi.json", timeout=10).json()  # GetSchema
    try:
        post = document["paths"]["/predictions"]["post"]
        body = _deref(document, post["responses"]["200"]["content"]["application/json"]["schema"])
        output_schema = _deref(document, body["properties"]["output"])
    except (KeyError, TypeError):
        raise CogPredictError("missing output definition for /predictions") from None
    if output_schema is None:
        raise CogPredictError("missing output definition for /predictions")
    if prediction["status"] != "succeeded":
        raise CogPredictError(
            f'Prediction failed with status "{prediction["status"]}": {prediction["error"]}'
        )
    if output_schema.get("type") == "string" and output_schema.get("format") == "uri":  # isURI
        header, _, payload = prediction["output"].partition(",")
        if not header.startswith("data:") or not header.endswith(";base64"):
            raise CogPredictError("Failed to write output: not a data URL")
        output_path.write_bytes(base64.b64decode(payload))
        return str(output_path)
    raise CogPredictError("output is not a file")


def png_data_url() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 180), (30, 120, 90)).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def test_cog_predict_runs_a_prediction_on_workbench_serve_and_writes_the_video(tmp_path):
    import av

    from workbench.generation.registry import default_registry

    with ServerThread(default_registry().get("local-camera")) as running:
        inputs = {
            "image": png_data_url(),
            "prompt": "slow zoom in",
            "duration_s": 1.0,
            "resolution": "160x90",
            "fps": 12,
        }
        written = cog_predict(running.url, inputs, tmp_path / "output")
        with av.open(written) as container:
            assert sum(1 for _ in container.decode(video=0)) == 12
        with pytest.raises(CogPredictError, match="could not be validated"):
            cog_predict(running.url, {"prompt": "no image"}, tmp_path / "bad")  # a 422 cog can read


def test_the_port_refuses_a_document_without_an_output_definition(tmp_path, monkeypatch):
    """The check is real: the document the old server published (no paths) is refused as cog refused it."""
    from workbench.generation.registry import default_registry
    from workbench.serve import openapi

    document = openapi.openapi_document(title="t", version="0", secured=False)
    document.pop("paths")
    monkeypatch.setattr("workbench.serve.app.openapi_document", lambda **kw: document)
    with ServerThread(default_registry().get("local-camera")) as running:
        inputs = {
            "image": png_data_url(),
            "prompt": "pan",
            "duration_s": 0.5,
            "resolution": "160x90",
            "fps": 12,
        }
        with pytest.raises(CogPredictError, match="missing output definition for /predictions"):
            cog_predict(running.url, inputs, tmp_path / "output")
