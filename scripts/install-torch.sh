#!/usr/bin/env bash
# Installs the CPU build of torch into a virtualenv: scripts/install-torch.sh [--plan] PYTHON SPEC
# (e.g. .venv/bin/python torch==2.13.0). `make install` calls it before installing essay-kb.
#
# PyPI's Linux torch is the CUDA build (~18 nvidia-* packages, several GB). Where pip's configured sources
# already offer the CPU build (a local wheel, a mirror of PyTorch's CPU index) that is used as it is, with no
# other address tried. Only when pip's own dry run shows the install would pull nvidia-*/cuda-* packages is
# PyTorch's CPU index added beside the configured sources: its wheels carry a +cpu local version, which pip
# ranks above the plain release of the same number, so the CPU build wins. --plan prints the pip command
# instead of running it.
set -euo pipefail

CPU_INDEX=https://download.pytorch.org/whl/cpu

plan=0
if [ "${1:-}" = "--plan" ]; then plan=1; shift; fi
if [ $# -ne 2 ]; then
  echo "usage: scripts/install-torch.sh [--plan] PYTHON SPEC   (e.g. .venv/bin/python torch==2.13.0)" >&2
  exit 2
fi
python=$1
spec=$2

# The CUDA packages pip would install for SPEC from the configured sources plus any extra arguments, read from
# pip's JSON report (metadata only: nothing is downloaded but package metadata). --ignore-installed so the
# answer is about the sources, not about whatever torch the venv already has.
cuda_packages() {
  "$python" -m pip install --dry-run --ignore-installed --quiet --report - "$@" "$spec" |
    "$python" -c '
import json, sys
names = (item["metadata"]["name"].lower() for item in json.load(sys.stdin)["install"])
print(" ".join(sorted(n for n in names if n.startswith(("nvidia-", "cuda-")))))'
}

extra=()
cuda=$(cuda_packages)
if [ -n "$cuda" ]; then
  echo "install-torch: the configured package sources offer only the CUDA build of $spec (it would add: $cuda);" \
       "taking the CPU build from $CPU_INDEX" >&2
  extra=(--extra-index-url "$CPU_INDEX")
  if [ $plan -eq 0 ]; then
    # Check before downloading anything large: the CPU index must really replace the CUDA build.
    cuda=$(cuda_packages "${extra[@]}")
    if [ -n "$cuda" ]; then
      echo "error: $spec still resolves to the CUDA build with $CPU_INDEX added (it would add: $cuda);" \
           "install the CPU build by hand: $python -m pip install --index-url $CPU_INDEX $spec" >&2
      exit 1
    fi
  fi
fi

cmd=("$python" -m pip install --quiet ${extra[@]+"${extra[@]}"} "$spec")  # the + form: bash 3.2 (macOS) and set -u
if [ $plan -eq 1 ]; then
  echo "${cmd[*]}"
else
  "${cmd[@]}"
fi
