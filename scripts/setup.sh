#!/usr/bin/env bash
# Installs what MarketSwarm needs on Debian 12, and nothing that is already there.
#   scripts/setup.sh          build + run dependencies (make up)
#   scripts/setup.sh --test   plus what the tests need (make test)
# Debian's redis-server and mariadb-server packages would start system services on install;
# a temporary policy-rc.d stops that, because `marketswarm up` and the tests run their own.
set -euo pipefail

want_test=0
[[ "${1:-}" == "--test" ]] && want_test=1

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost-all-dev libhiredis-dev libsoci-dev libsqlite3-dev sqlite3 libmariadb-dev
  nlohmann-json3-dev libsimdjson-dev libjwt-dev libspdlog-dev libfmt-dev libcli11-dev
  libcurl4-openssl-dev libssl-dev libvalijson-dev libhowardhinnant-date-dev tzdata
  libgtest-dev libgmock-dev libbenchmark-dev
  redis-server redis-tools ca-certificates
)
if (( want_test )); then
  packages+=(mariadb-server)
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if (( ${#missing[@]} )); then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  policy=/usr/sbin/policy-rc.d
  created_policy=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee $policy >/dev/null
    $sudo chmod 755 $policy
    created_policy=1
  fi
  cleanup() { if (( created_policy )); then $sudo rm -f "$policy"; fi; }
  trap cleanup EXIT
  export DEBIAN_FRONTEND=noninteractive
  # A stale package list is the usual reason an install fails on a fresh machine.
  if ! $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"; then
    $sudo apt-get update -q
    $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
else
  echo "setup: all Debian packages present"
fi
