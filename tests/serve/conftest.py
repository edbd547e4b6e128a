"""The hosted-model fixtures (backends that record their waits, a starting image, requests) for server tests."""

from tests.generation.http.conftest import (  # noqa: F401 - fixtures, re-exported for pytest
    _no_user_models,
    image_path,
    make_backend,
    recorder,
    request_for,
    sleeps,
    token,
)
