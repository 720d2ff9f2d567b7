#!/usr/bin/env bash
# Runs every test project in the solution and ends with one plain line: "N passed, N failed".
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
configuration=${1:-Release}
log=$(mktemp)
# A test that hangs fails the run after 10 minutes, naming itself, instead of holding `make test`
# forever (no dump: the point is the name, and a process with models loaded makes a huge one).
dotnet test "$root/Appliance.slnx" -c "$configuration" --no-build --nologo --blame-hang-timeout 10m --blame-hang-dump-type none 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
sum() { grep -oE "$1: +[0-9]+" "$log" | awk '{ n += $2 } END { print n + 0 }'; }
passed=$(sum Passed)
failed=$(sum Failed)
rm -f "$log"
echo
echo "${passed:-0} passed, ${failed:-0} failed"
if [ "$status" -eq 0 ] && [ "${passed:-0}" -eq 0 ]; then
  echo "run-tests.sh: no test ran" >&2
  exit 1
fi
exit "$status"
