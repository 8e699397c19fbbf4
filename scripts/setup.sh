#!/usr/bin/env bash
# Installs what MarketSwarm needs on Debian 12, and nothing that is already there.
#   scripts/setup.sh          build + run dependencies (make up)
#   scripts/setup.sh --test   plus what the tests need (make test)
# Run as root, or as a user with sudo. `marketswarm up` and the tests run their own Redis and
# MariaDB servers, so Debian's system services must neither start on install (a policy-rc.d of
# ours is in place for the duration) nor come up after a reboot (their units are disabled).
#
# scripts/setup_test.sh runs this against stub commands; these let it point the script at a
# temporary directory instead of the real system paths.
#   SETUP_POLICY_RC    the policy-rc.d file          (default /usr/sbin/policy-rc.d)
#   SETUP_SYSTEMD_DIR  present iff systemd is PID 1  (default /run/systemd/system)
set -euo pipefail

policy=${SETUP_POLICY_RC:-/usr/sbin/policy-rc.d}
policy_saved="$policy.marketswarm-saved"
systemd_dir=${SETUP_SYSTEMD_DIR:-/run/systemd/system}
# First boot of a fresh image runs unattended-upgrades, which holds the dpkg lock for minutes;
# apt waits for it (printing why) instead of failing at once.
lock_wait_s=600

want_test=0
[[ "${1:-}" == "--test" ]] && want_test=1

# Boost: only headers are used (Asio, Beast, and what SOCI's headers pull in) — cmake asks for
# the `headers` component alone — so libboost-dev, not the ~1 GB libboost-all-dev.
packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost-dev libhiredis-dev libsoci-dev libsqlite3-dev sqlite3 libmariadb-dev
  nlohmann-json3-dev libsimdjson-dev libjwt-dev libspdlog-dev libfmt-dev libcli11-dev
  libcurl4-openssl-dev libssl-dev libvalijson-dev libhowardhinnant-date-dev tzdata
  libgtest-dev libgmock-dev libbenchmark-dev
  redis-server redis-tools ca-certificates
)
if (( want_test )); then
  packages+=(mariadb-server)
fi

# The systemd unit each service package ships (packages not listed have none of ours to stop).
unit_of() {
  case "$1" in
    redis-server) echo redis-server.service ;;
    mariadb-server) echo mariadb.service ;;
  esac
}

missing_packages() {
  local p status
  for p in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [[ "$status" == "install ok installed" ]] || echo "$p"
  done
}

as_root=()
choose_privilege() {
  if [[ $(id -u) -eq 0 ]]; then
    as_root=()
  elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    echo "setup: installing Debian packages needs root, and sudo is not installed;" \
         "run scripts/setup.sh as root (or install sudo)" >&2
    exit 1
  fi
}

# Ours says "never start a service" (exit 101) whatever a pre-existing one said; that one is
# moved aside (mv keeps its bytes, mode and owner) and moved back on every exit.
install_policy() {
  if [[ -e $policy_saved || -L $policy_saved ]]; then
    # A run killed outright left ours in place; the saved file is the machine's own.
    "${as_root[@]}" mv -f "$policy_saved" "$policy"
  fi
  if [[ -e $policy || -L $policy ]]; then
    "${as_root[@]}" mv "$policy" "$policy_saved"
  fi
  policy_installed=1
  printf '#!/bin/sh\n# scripts/setup.sh: no service starts while it installs packages\nexit 101\n' \
    | "${as_root[@]}" tee "$policy" >/dev/null
  "${as_root[@]}" chmod 755 "$policy"
}

restore_policy() {
  (( policy_installed )) || return 0
  "${as_root[@]}" rm -f "$policy"
  if [[ -e $policy_saved || -L $policy_saved ]]; then
    "${as_root[@]}" mv "$policy_saved" "$policy"
  fi
  policy_installed=0
}

apt() {
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get -q -o DPkg::Lock::Timeout="$lock_wait_s" "$@"
}

install_packages() {
  echo "setup: installing $*"
  echo "setup: (if another package manager is running, apt waits up to $((lock_wait_s / 60)) min for it)"
  # A stale or absent package list is the usual reason an install fails on a fresh machine.
  if ! apt install -y --no-install-recommends "$@"; then
    apt update
    apt install -y --no-install-recommends "$@"
  fi
}

# Only units of packages this run installed: a Redis or MariaDB the machine already ran as a
# service is its owner's business. Without systemd (a container) there is nothing to disable.
disable_units() {
  local p unit
  [[ -d $systemd_dir ]] && command -v systemctl >/dev/null 2>&1 || return 0
  for p in "$@"; do
    unit=$(unit_of "$p")
    [[ -n $unit ]] || continue
    if systemctl is-enabled --quiet "$unit" 2>/dev/null; then
      echo "setup: disabling $unit (marketswarm runs its own servers)"
      "${as_root[@]}" systemctl disable --now --quiet "$unit" \
        || echo "setup: warning: could not disable $unit" >&2
    fi
  done
}

main() {
  local missing
  mapfile -t missing < <(missing_packages)
  if (( ${#missing[@]} == 0 )); then
    echo "setup: all Debian packages present"
    return 0
  fi
  choose_privilege
  policy_installed=0
  trap restore_policy EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  install_policy
  install_packages "${missing[@]}"
  disable_units "${missing[@]}"
  restore_policy
}

main "$@"
