#!/bin/bash
# Sourced first by every device run: the wheels of ../shared/tools/gpu-wheels.sh (carried in .whl/) go to
# /tmp/site once per machine; python finds them and the repository on PYTHONPATH.
[ -d /tmp/site/av ] || python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
export PYTHONPATH=/tmp/site:$PWD PYTHONUNBUFFERED=1
