#!/usr/bin/env bash
# The Python wheel, built by maturin, installed with pip, under pytest:
# the tests import the installed package (test_api.py asserts it comes
# from site-packages), never python/src.
source "$(dirname "$0")/../lib.sh"
fresh_counts python
rm -f "$CI/python.xml"
rm -rf target/wheels
(cd python && ../.venv/bin/maturin build --release --quiet -o ../target/wheels)
.venv/bin/pip install --quiet --force-reinstall target/wheels/spfkit-*-cp39-abi3-*.whl
.venv/bin/python -m pytest -q -s -p no:cacheprovider --junitxml="$CI/python.xml" python/tests
counts junit "$CI/python.xml"
counts expect "$SPFKIT_COUNTS" python/suite/blocking=suite python/suite/asyncio=suite \
    python/vectors/parse=vectors.parse python/vectors/check/batched=vectors.check \
    python/vectors/check/sequential=vectors.check \
    python/policy/cases/blocking=policy.cases python/policy/cases/asyncio=policy.cases \
    python/policy/bad-settings=policy.bad_settings python/policy/bad-settings/keywords=policy.bad_settings \
    python/policy/bad-settings/toml=policy.bad_settings \
    python/srs/vectors=srs.vectors
