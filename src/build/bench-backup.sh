#!/usr/bin/env bash
# make bench-backup: backup, verify and restore times and sizes for a box whose agent indexed N
# generated documents (default 1000) — the demo's provisioned sandbox box copied, its handbook
# collection pointed at the generated folder — and for the demo office itself (a copy of its box,
# agent stopped). Needs `make demo` to have run once. Writes bench/results/backup.json, with the
# load average (the machine is shared: figures from a busy one are mostly waiting).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
count=${BENCH_DOCUMENTS:-1000}
port=${BENCH_PORT:-8093}
demo=.cache/demo
[ -f "$demo/appliance.yaml" ] && [ -d "$demo/provision/mac" ] || { echo "run make demo first (its provisioned box is copied)"; exit 1; }
work=$root/.cache/bench-backup
boxroot="$work/provision/mac/Library/Application Support/Appliance"
# BENCH_REUSE_INDEX=1: measure again on the box the last run indexed (the ingest is most of a run's time).
if [ "${BENCH_REUSE_INDEX:-0}" = 1 ] && [ -f "$boxroot/data.noindex/library.db" ] && [ -f "$work/ingest_seconds" ]; then
  echo "reusing the indexed box in $work (ingest took $(cat "$work/ingest_seconds") s when it was made)"
  rm -rf "$work/provision/mac/Volumes/Backup"/* "$work/restored" "$work/demo-office"
  ingest=$(cat "$work/ingest_seconds")
else
rm -rf "$work" && mkdir -p "$work/documents"
cp -a "$demo/provision" "$work/provision"
rm -rf "$boxroot/data.noindex"/* "$work/provision/mac/Volumes/Backup"/*
# Distinct documents of a few KB each: the handbook's policies with a numbered matter in every paragraph.
python3 - "$work/documents" "$count" "$root/.cache/sample-office/handbook/leave-policy.md" <<'PY'
import sys, pathlib
out, n, base = pathlib.Path(sys.argv[1]), int(sys.argv[2]), pathlib.Path(sys.argv[3]).read_text()
for i in range(n):
    text = f"# Matter {i:04d}\n\n" + "\n\n".join(f"Matter {i:04d}, paragraph {j}: {p.strip()}" for j, p in enumerate(base.split("\n\n")) if p.strip())
    (out / f"matter-{i:04d}.md").write_text(text)
PY
sed -e "s#sources: \[\"$root/.cache/sample-office/handbook\"\]#sources: [\"$work/documents\"]#" \
    -e "s#root: \"$root/$demo/provision/mac#root: \"$work/provision/mac#" "$demo/appliance.yaml" > "$work/agent.yaml"
grep -q "$work/documents" "$work/agent.yaml" || { echo "could not point the handbook at the generated documents"; exit 1; }
APPLIANCE_INITIAL_PASSWORD=bench-password-2026 bin/appliance serve -c "$work/agent.yaml" --urls "http://127.0.0.1:$port" --plain-logs > "$work/agent.log" 2>&1 &
agent=$!
trap 'kill $agent 2>/dev/null; wait $agent 2>/dev/null; true' EXIT
for _ in $(seq 1 240); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; kill -0 $agent; sleep 0.5; done
admin=$(bin/appliance users token mberger --label bench -c "$work/agent.yaml")
start=$(date +%s.%N)
curl -sf -X POST -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' -d '{}' "http://127.0.0.1:$port/api/ingest" >/dev/null
while :; do
  progress=$(curl -sf -H "Authorization: Bearer $admin" "http://127.0.0.1:$port/api/ingest")
  case "$progress" in *'"state":"running"'*) sleep 1 ;; *) break ;; esac
done
ingest=$(printf '%.0f' "$(echo "$(date +%s.%N) - $start" | bc)")
echo "ingest: $(printf '%s' "$progress" | grep -o '"files_done":[0-9]*') files (${ingest}s)"
kill $agent; wait $agent 2>/dev/null || true
trap - EXIT
echo "$ingest" > "$work/ingest_seconds"
fi

cfg=(-c "$work/provision/appliance.yaml" --target "sandbox:$work/provision/mac")
timed() { local s; s=$(date +%s.%N); "$@" >"$work/last.out" 2>&1; printf '%.2f' "$(echo "$(date +%s.%N) - $s" | bc)"; }
# Seconds the set itself took inside provision (what `backup now`, verify and restore print), without start-up.
inside() { grep -o 'in [0-9.]* s' "$work/last.out" | head -1 | grep -o '[0-9.]*'; }
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
data_bytes=$(du -sb "$boxroot/data.noindex" | cut -f1)
first=$(timed bin/provision backup now "${cfg[@]}"); cat "$work/last.out" | grep -v '^simulated'; first_inside=$(inside)
second=$(timed bin/provision backup now "${cfg[@]}"); cat "$work/last.out" | grep -v '^simulated'; second_inside=$(inside)
second_new=$(grep -o '([0-9.]* [KM]B new)' "$work/last.out" | head -1)
dest_bytes=$(du -sb "$work/provision/mac/Volumes/Backup" | cut -f1)
verify=$(timed bin/provision backup verify "${cfg[@]}" --key "$work/provision/office-backup.key"); cat "$work/last.out" | grep -v '^simulated'; verify_inside=$(inside)
restore=$(timed bin/provision backup restore "${cfg[@]}" --key "$work/provision/office-backup.key" --into "$work/restored"); cat "$work/last.out" | grep -v '^simulated'; restore_inside=$(inside)
restored_bytes=$(du -sb "$work/restored" | cut -f1)

# The demo office as `make demo` left it (10 documents indexed, a nightly set already there): a copy, first set on an empty disk.
office=$work/demo-office
cp -a "$demo/provision" "$office" && rm -rf "$office/mac/Volumes/Backup"/*
ocfg=(-c "$office/appliance.yaml" --target "sandbox:$office/mac")
office_bytes=$(du -sb "$office/mac/Library/Application Support/Appliance/data.noindex" | cut -f1)
o_first=$(timed bin/provision backup now "${ocfg[@]}"); cat "$work/last.out" | grep -v '^simulated'; o_first_inside=$(inside)
o_second=$(timed bin/provision backup now "${ocfg[@]}"); cat "$work/last.out" | grep -v '^simulated'; o_second_inside=$(inside)
o_second_new=$(grep -o '([0-9.]* [KM]B new)' "$work/last.out" | head -1)
o_verify=$(timed bin/provision backup verify "${ocfg[@]}" --key "$office/office-backup.key"); cat "$work/last.out" | grep -v '^simulated'; o_verify_inside=$(inside)
o_restore=$(timed bin/provision backup restore "${ocfg[@]}" --key "$office/office-backup.key" --into "$office/restored"); cat "$work/last.out" | grep -v '^simulated'; o_restore_inside=$(inside)
o_dest_bytes=$(du -sb "$office/mac/Volumes/Backup" | cut -f1)
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
mkdir -p bench/results
cat > bench/results/backup.json <<JSON
{
  "documents": $count,
  "ingest_seconds": $ingest,
  "data_folder_bytes": $data_bytes,
  "backup_first_seconds": $first,
  "backup_second_seconds": $second,
  "backup_second_written": "$second_new",
  "destination_bytes_after_two_sets": $dest_bytes,
  "verify_seconds": $verify,
  "restore_seconds": $restore,
  "restored_bytes": $restored_bytes,
  "inside_seconds": { "backup_first": $first_inside, "backup_second": $second_inside, "verify": $verify_inside, "restore": $restore_inside },
  "demo_office": {
    "documents": 10,
    "data_folder_bytes": $office_bytes,
    "backup_first_seconds": $o_first,
    "backup_second_seconds": $o_second,
    "backup_second_written": "$o_second_new",
    "destination_bytes_after_two_sets": $o_dest_bytes,
    "verify_seconds": $o_verify,
    "restore_seconds": $o_restore,
    "inside_seconds": { "backup_first": $o_first_inside, "backup_second": $o_second_inside, "verify": $o_verify_inside, "restore": $o_restore_inside }
  },
  "load_average": { "before_backups": "$load_before", "after_backups": "$load_after" },
  "note": "*_seconds: wall-clock of the whole provision process (start-up included) on $(nproc) shared cores; inside_seconds: what the set itself took, as provision prints it; sandbox box, MiniLM embeddings, generated markdown documents; ingest counted from the admin's request (the agent had already started its own run at start-up)"
}
JSON
cat bench/results/backup.json
