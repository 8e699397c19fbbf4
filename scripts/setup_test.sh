#!/usr/bin/env bash
# Runs scripts/setup.sh against stub apt-get, dpkg-query, systemctl, sudo and id in a temporary
# directory: the real /usr/sbin/policy-rc.d, apt and systemd are never touched.
# The script sees a PATH of only the stubs and the few real tools it uses, so "sudo is absent"
# and "systemd is absent" are real conditions here, not whatever this machine happens to have.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
setup="$here/setup.sh"
bash_bin=$(command -v bash)
tmp=$(mktemp -d)
# KEEP=1 keeps the temporary directory (printed) for a look at a failing case.
cleanup() { if [[ -n ${KEEP:-} ]]; then echo "setup_test: kept $tmp"; else rm -rf "$tmp"; fi; }
trap cleanup EXIT

passed=0
failed=0
check() { # check <description> <command...>
  local what=$1; shift
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL [$case_name]: $what" >&2
  fi
}

make_tools() {
  mkdir -p "$tmp/tools"
  local t
  for t in env mv rm tee chmod cat; do
    ln -s "$(command -v "$t")" "$tmp/tools/$t"
  done
}

# Stubs read their behaviour from STUB_* variables and log every call under $STUB_LOG.
make_stubs() { # make_stubs <dir> <with sudo: 0|1>
  local d=$1
  mkdir -p "$d"
  cat >"$d/dpkg-query" <<'EOF'
#!/bin/bash
pkg=${!#}
for p in $STUB_INSTALLED; do
  [[ $p == "$pkg" ]] && { printf 'install ok installed'; exit 0; }
done
echo "dpkg-query: no packages found matching $pkg" >&2
exit 1
EOF
  cat >"$d/apt-get" <<'EOF'
#!/bin/bash
echo "$*" >>"$STUB_LOG/apt.log"
echo "DEBIAN_FRONTEND=${DEBIAN_FRONTEND:-}" >>"$STUB_LOG/apt.log"
if [[ " $* " == *" install "* ]]; then
  cat "$SETUP_POLICY_RC" >"$STUB_LOG/policy-during-install" 2>/dev/null
  [[ -n ${STUB_APT_SIGNAL:-} ]] && kill "-$STUB_APT_SIGNAL" "$PPID"
fi
[[ ${STUB_APT_FAIL:-0} == 1 ]] && exit 100
exit 0
EOF
  cat >"$d/systemctl" <<'EOF'
#!/bin/bash
echo "$*" >>"$STUB_LOG/systemctl.log"
if [[ $1 == is-enabled ]]; then
  for u in ${STUB_ENABLED:-}; do [[ $u == "${!#}" ]] && exit 0; done
  exit 1
fi
exit 0
EOF
  cat >"$d/id" <<'EOF'
#!/bin/bash
[[ $1 == -u ]] && { echo "$STUB_UID"; exit 0; }
exit 1
EOF
  if [[ $2 == 1 ]]; then
    cat >"$d/sudo" <<'EOF'
#!/bin/bash
echo "$*" >>"$STUB_LOG/sudo.log"
exec "$@"
EOF
  fi
  chmod +x "$d"/*
}

# run_setup <case name> <args...>: fresh log and policy dir per case; sets rc, out, err.
run_setup() {
  case_name=$1; shift
  local dir="$tmp/$case_name"
  mkdir -p "$dir/log" "$dir/sbin"
  policy="$dir/sbin/policy-rc.d"
  log="$dir/log"
  [[ -n ${PRE_POLICY:-} ]] && cp -p "$PRE_POLICY" "$policy"
  env -i HOME="$dir" PATH="$stubs:$tmp/tools" STUB_LOG="$log" SETUP_POLICY_RC="$policy" \
    SETUP_SYSTEMD_DIR="${SYSTEMD_DIR:-$dir/no-systemd}" STUB_UID="${STUB_UID:-0}" \
    STUB_INSTALLED="${STUB_INSTALLED:-}" STUB_ENABLED="${STUB_ENABLED:-}" \
    STUB_APT_FAIL="${STUB_APT_FAIL:-0}" STUB_APT_SIGNAL="${STUB_APT_SIGNAL:-}" \
    "$bash_bin" "$setup" "$@" >"$dir/out" 2>"$dir/err"
  rc=$?
  out=$(<"$dir/out")
  err=$(<"$dir/err")
}

absent() { [[ ! -e $1 && ! -L $1 ]]; }
same_file() { cmp -s "$1" "$2" && [[ $(stat -c %a "$1") == "$(stat -c %a "$2")" ]]; }
ours_during_install() { grep -qx 'exit 101' "$log/policy-during-install"; }
apt_line() { grep -m1 -- " install " "$log/apt.log"; }
apt_has() { apt_line | grep -qw -- "$1"; }
apt_lacks() { ! apt_line | grep -qw -- "$1"; }
no_file() { absent "$1"; }
contains() { [[ $1 == *"$2"* ]]; }

make_tools
stubs="$tmp/stubs"; make_stubs "$stubs" 1
# Someone else's policy-rc.d that allows everything, with an odd mode and bytes to preserve.
printf '#!/bin/sh\n# theirs\texit 0 \xe2\x9c\x93\nexit 0' >"$tmp/theirs"
chmod 640 "$tmp/theirs"

# 1. Fresh machine, root, no policy-rc.d: everything installed, nothing left behind.
run_setup fresh-root --test
check "exit 0 (rc=$rc, err: $err)" test "$rc" -eq 0
check "policy-rc.d removed afterwards" no_file "$policy"
check "no saved copy left" no_file "$policy.marketswarm-saved"
check "our exit-101 policy in place during install" ours_during_install
check "libboost-dev requested" apt_has libboost-dev
check "libboost-all-dev not requested" apt_lacks libboost-all-dev
check "mariadb-server requested with --test" apt_has mariadb-server
check "apt waits for the dpkg lock" apt_has DPkg::Lock::Timeout=600
check "noninteractive frontend" grep -qx DEBIAN_FRONTEND=noninteractive "$log/apt.log"
check "sudo not used as root" no_file "$log/sudo.log"
check "no systemd: systemctl never called" no_file "$log/systemctl.log"

# 2. A pre-existing policy-rc.d that says "exit 0": ours replaces it, then it is back exactly.
PRE_POLICY="$tmp/theirs" run_setup preexisting-root
check "exit 0 (rc=$rc, err: $err)" test "$rc" -eq 0
check "pre-existing policy-rc.d restored byte-for-byte with its mode" same_file "$policy" "$tmp/theirs"
check "no saved copy left" no_file "$policy.marketswarm-saved"
check "ours, not theirs, during install" ours_during_install
check "without --test no mariadb-server" apt_lacks mariadb-server

# 3. apt-get fails: non-zero exit, the update-and-retry happened, policy-rc.d restored.
PRE_POLICY="$tmp/theirs" STUB_APT_FAIL=1 run_setup apt-fails-preexisting
check "non-zero exit" test "$rc" -ne 0
check "package lists refreshed before the retry" grep -q -- " update" "$log/apt.log"
check "policy-rc.d restored after failure" same_file "$policy" "$tmp/theirs"
STUB_APT_FAIL=1 run_setup apt-fails-fresh
check "non-zero exit" test "$rc" -ne 0
check "no policy-rc.d left after failure" no_file "$policy"

# 4. Interrupted (SIGTERM, SIGINT) during the install: policy-rc.d restored all the same.
for sig in TERM INT; do
  PRE_POLICY="$tmp/theirs" STUB_APT_SIGNAL=$sig run_setup "signal-$sig"
  check "non-zero exit on SIG$sig" test "$rc" -ne 0
  check "policy-rc.d restored after SIG$sig" same_file "$policy" "$tmp/theirs"
done

# 5. A run killed outright left ours in place with theirs saved aside: the next run repairs it.
case_name=stale-saved
dir="$tmp/$case_name"; mkdir -p "$dir/sbin"
printf '#!/bin/sh\nexit 101\n' >"$dir/sbin/policy-rc.d"
cp -p "$tmp/theirs" "$dir/sbin/policy-rc.d.marketswarm-saved"
PRE_POLICY="" run_setup stale-saved
check "exit 0 (rc=$rc, err: $err)" test "$rc" -eq 0
check "theirs restored from the saved copy" same_file "$policy" "$tmp/theirs"
check "no saved copy left" no_file "$policy.marketswarm-saved"

# 6. Not root, sudo present: privileged steps go through sudo.
STUB_UID=1000 run_setup user-with-sudo
check "exit 0 (rc=$rc, err: $err)" test "$rc" -eq 0
check "apt-get run through sudo" grep -q apt-get "$log/sudo.log"
check "policy-rc.d removed afterwards" no_file "$policy"

# 7. Not root, no sudo (minimal image): a clear message, nothing attempted.
stubs_saved=$stubs
stubs="$tmp/stubs-nosudo"; make_stubs "$stubs" 0
STUB_UID=1000 run_setup user-without-sudo
check "non-zero exit" test "$rc" -ne 0
check "says to run as root (err: $err)" contains "$err" "run scripts/setup.sh as root"
check "apt-get not run" no_file "$log/apt.log"
check "no policy-rc.d written" no_file "$policy"
stubs=$stubs_saved

# 8. Everything installed: nothing to do, and no root needed for that.
all="build-essential cmake ninja-build ccache pkg-config git libboost-dev libhiredis-dev
  libsoci-dev libsqlite3-dev sqlite3 libmariadb-dev nlohmann-json3-dev libsimdjson-dev libjwt-dev
  libspdlog-dev libfmt-dev libcli11-dev libcurl4-openssl-dev libssl-dev libvalijson-dev
  libhowardhinnant-date-dev tzdata libgtest-dev libgmock-dev libbenchmark-dev redis-server
  redis-tools ca-certificates mariadb-server"
STUB_UID=1000 STUB_INSTALLED="$all" run_setup all-present --test
check "exit 0 (rc=$rc, err: $err)" test "$rc" -eq 0
check "reports all present" contains "$out" "all Debian packages present"
check "apt-get not run" no_file "$log/apt.log"

# 9. With systemd: only the units of packages this run installed are disabled. redis-server was
#    already installed (someone's own service), mariadb-server is new; both units are enabled.
mkdir -p "$tmp/systemd"
SYSTEMD_DIR="$tmp/systemd" STUB_INSTALLED="redis-server" \
  STUB_ENABLED="redis-server.service mariadb.service" run_setup systemd --test
check "exit 0 (rc=$rc, err: $err)" test "$rc" -eq 0
check "mariadb.service disabled and stopped" grep -qx "disable --now --quiet mariadb.service" "$log/systemctl.log"
check "pre-existing redis-server.service left alone" bash -c "! grep -q 'disable.*redis-server' '$log/systemctl.log'"
SYSTEMD_DIR="$tmp/systemd" STUB_ENABLED="" run_setup systemd-unit-not-enabled
check "exit 0 (rc=$rc, err: $err)" test "$rc" -eq 0
check "nothing disabled when no unit is enabled" bash -c "! grep -q disable '$log/systemctl.log'"

echo "setup_test: $passed passed, $failed failed"
(( failed == 0 ))
