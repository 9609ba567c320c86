#!/usr/bin/env bash
# ai-gateway backup: Qdrant collection snapshots (through Qdrant's API), Grafana's data folder, the
# config files as the containers run them, and the Pulumi state folder when it is local.
# Usage: backup.sh <env-file>   (the env file is written by `pulumi up`; see backup.env)
# Needs on the host: bash, coreutils, findutils, curl, python3 (JSON) and flock (util-linux).
#
# A backup is written to <BACKUP_ROOT>/.tmp-<ts>/, gets a SHA-256 manifest, and only then is renamed
# to <BACKUP_ROOT>/<ts>/, so a <ts> folder is always complete. Only folders named like <ts>
# (20260101T031500Z) are ever counted or deleted: anything else in BACKUP_ROOT is left alone. Older
# copies beyond RETENTION are deleted only after a new one succeeded, and success is recorded as
# metrics for node-exporter's textfile collector; a failed run records nothing, so the staleness
# alert fires.
set -euo pipefail
# Nothing this run writes is readable by group or others (the metrics file is opened up on purpose).
umask 077
export LC_ALL=C

env_file=${1:?usage: backup.sh <env-file>}
set -a
# shellcheck source=/dev/null
. "$env_file"
set +a
: "${BACKUP_ROOT:?}" "${QDRANT_URL:?}" "${QDRANT_API_KEY_FILE:?}" "${RETENTION:?}" "${TEXTFILE_DIR:?}"

TS_PATTERN='^[0-9]{8}T[0-9]{6}Z$'
started=$(date +%s)
ts=${BACKUP_TIMESTAMP:-$(date -u +%Y%m%dT%H%M%SZ)}
tmp="$BACKUP_ROOT/.tmp-$ts"
final="$BACKUP_ROOT/$ts"

log() { printf '%s backup: %s\n' "$(date -u +%FT%TZ)" "$*" >&2; }
free_bytes() { df -B1 --output=avail "$BACKUP_ROOT" 2>/dev/null | tail -n 1 | tr -d ' ' || echo 0; }
fail() { log "FAILED: $* ($(free_bytes) bytes free in $BACKUP_ROOT)"; exit 1; }
# Any step that fails without its own message still says so in the log that cron keeps.
trap 'fail "command at line $LINENO exited with $?"' ERR

[[ $ts =~ $TS_PATTERN ]] || fail "timestamp $ts is not of the form 20260101T031500Z"
[[ $RETENTION =~ ^[1-9][0-9]*$ ]] || fail "RETENTION=$RETENTION is not a whole number of at least 1"
mkdir -p "$BACKUP_ROOT" || fail "cannot create $BACKUP_ROOT"
chmod 0700 "$BACKUP_ROOT"
# node-exporter reads the metrics as another user: this folder (only) stays listable.
[[ -d $TEXTFILE_DIR ]] || (umask 022 && mkdir -p "$TEXTFILE_DIR")

# One run at a time. A second run exits at once (status 0) rather than wait: it would only take a
# second copy right after the first, and a run that hangs is caught by BackupStale, not by runs piling
# up behind it. Children (curl, tar) inherit the lock, so it lasts until the last of them has ended.
exec 9>>"$BACKUP_ROOT/.lock"
if ! flock -n 9; then
  log "skipped: another backup run holds $BACKUP_ROOT/.lock; it records its own result"
  exit 0
fi

[[ -e $final ]] && fail "$final already exists"

# Complete backups, oldest first: folders this script named, holding a manifest. Nothing else counts.
complete_backups() {
  local d
  for d in "$BACKUP_ROOT"/*; do
    [[ $(basename "$d") =~ $TS_PATTERN && -d $d && ! -L $d && -f $d/MANIFEST.sha256 ]] && printf '%s\n' "$d"
  done
  return 0
}

# With the lock held no other run is writing, so every .tmp-<ts> folder is left from a killed run.
for d in "$BACKUP_ROOT"/.tmp-*; do
  if [[ $(basename "$d") =~ ^\.tmp-[0-9]{8}T[0-9]{6}Z$ && -d $d && ! -L $d ]]; then
    rm -rf "$d"
    log "removed $d, left by a run that did not finish"
  fi
done

# Room for the new copy: about the newest complete one plus a fifth for growth, or (for the first
# one) what Grafana and the state take on disk. When the disk is short, the oldest complete copies go
# first and the newest is always kept; nothing is removed unless that makes enough room.
mapfile -t existing < <(complete_backups)
newest=""
((${#existing[@]} == 0)) || newest=${existing[-1]}
if [[ -n $newest ]]; then
  base=$(du -sB1 "$newest" | cut -f1)
else
  base=0
  for src in "${GRAFANA_DATA:-}" "${STATE_DIR:-}"; do
    [[ -n $src && -d $src ]] && base=$((base + $(du -sB1 "$src" | cut -f1)))
  done
fi
needed=$((base + base / 5 + 1048576))
free=$(free_bytes)
if ((free < needed)); then
  prunable=0
  for ((i = 0; i < ${#existing[@]} - 1; i++)); do prunable=$((prunable + $(du -sB1 "${existing[$i]}" | cut -f1))); done
  ((free + prunable >= needed)) ||
    fail "not enough space in $BACKUP_ROOT: need about $needed bytes, $free free, $prunable more if every backup but the newest${newest:+ ($newest)} were removed; nothing was removed"
  i=0
  while ((i < ${#existing[@]} - 1)) && (($(free_bytes) < needed)); do
    rm -rf "${existing[$i]}"
    log "disk full: removed the oldest backup ${existing[$i]} to make room (need about $needed bytes)"
    i=$((i + 1))
  done
fi

mkdir "$tmp" || fail "cannot create $tmp"
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/qdrant" "$tmp/config" || fail "cannot create folders in $tmp"

api_key=$(<"$QDRANT_API_KEY_FILE")
# The key reaches curl on standard input (-H @-), never on its command line, which `ps` shows to everyone.
# Through the entry point (a wildcard bindAddress), curl trusts the CA that signs its certificate.
ca=()
[[ -n ${QDRANT_CA_FILE:-} ]] && ca=(--cacert "$QDRANT_CA_FILE")
qdrant() { curl -fsS --max-time "${QDRANT_TIMEOUT:-900}" "${ca[@]}" -H @- "$@" <<<"api-key: $api_key"; }

# Qdrant's JSON, read by a real parser: `json_field list` prints name, NUL, URL-encoded name, NUL for
# each collection of {"result":{"collections":[{"name":...}]}}; `json_field name` prints result.name.
json_field() {
  python3 -c '
import json, sys, urllib.parse
doc = json.load(sys.stdin)
names = [c["name"] for c in doc["result"]["collections"]] if sys.argv[1] == "list" else [doc["result"]["name"]]
if not all(isinstance(n, str) for n in names):
    sys.exit("a name is not a string")
# Written only once all of it parsed: a half-read answer never passes for a shorter list.
sys.stdout.write("".join(n + "\0" + urllib.parse.quote(n, safe="") + "\0" for n in names))
' "$1"
}

collections=$(qdrant "$QDRANT_URL/collections") || fail "cannot list Qdrant collections at $QDRANT_URL"
mapfile -d '' -t listed < <(json_field list <<<"$collections" || echo "unparsable")
((${#listed[@]} % 2 == 0)) || fail "Qdrant's collection list at $QDRANT_URL/collections is not the JSON it should be"
for ((k = 0; k < ${#listed[@]}; k += 2)); do
  c=${listed[$k]}
  enc=${listed[$k + 1]}
  # The name becomes a file name: Qdrant forbids "/" in names, and "." or ".." must not climb out.
  [[ -n $c && $c != */* && $c != . && $c != .. ]] || fail "collection name '$c' cannot be a file name"
  created=$(qdrant -X POST "$QDRANT_URL/collections/$enc/snapshots?wait=true") || fail "snapshot of collection $c"
  mapfile -d '' -t snap < <(json_field name <<<"$created" || true)
  [[ ${#snap[@]} == 2 && -n ${snap[0]:-} ]] || fail "Qdrant returned no snapshot name for $c"
  qdrant -o "$tmp/qdrant/$c.snapshot" "$QDRANT_URL/collections/$enc/snapshots/${snap[1]}" || fail "download of snapshot ${snap[0]} of $c"
  # The copy is ours now; do not let snapshots pile up in Qdrant's own folder.
  qdrant -X DELETE "$QDRANT_URL/collections/$enc/snapshots/${snap[1]}" >/dev/null || log "could not delete snapshot ${snap[0]} in Qdrant"
  log "qdrant collection $c: $(stat -c %s "$tmp/qdrant/$c.snapshot") bytes"
done
((${#listed[@]} > 0)) || log "Qdrant has no collections"

if [[ -n ${GRAFANA_DATA:-} ]]; then
  tar -C "$GRAFANA_DATA" -czf "$tmp/grafana.tar.gz" . || fail "archive of $GRAFANA_DATA"
fi

# "container:/path" pairs: the files exactly as the running containers have them.
for source in ${CONFIG_SOURCES:-}; do
  container=${source%%:*}
  path=${source#*:}
  docker cp "$source" - >"$tmp/config/$container$(tr / _ <<<"$path").tar" || fail "docker cp $source"
done

if [[ -n ${STATE_DIR:-} && -d $STATE_DIR ]]; then
  tar -C "$STATE_DIR" -czf "$tmp/pulumi-state.tar.gz" . || fail "archive of $STATE_DIR"
fi

# The manifest comes last: restore refuses any backup whose manifest is missing or does not match.
# It is summed before it exists, so it does not list itself.
sums=$(cd "$tmp" && find . -type f -print0 | sort -z | xargs -0 --no-run-if-empty sha256sum) || fail "checksums of $tmp"
printf '%s\n' "$sums" >"$tmp/MANIFEST.sha256" || fail "cannot write $tmp/MANIFEST.sha256"
# Claim the name atomically: mkdir fails if anything has it, and renaming over the empty folder just
# made fails if anything was put inside it; the copy never lands inside someone else's folder.
mkdir "$final" || fail "$final appeared during the run; the new copy was discarded"
mv -T "$tmp" "$final" || { rmdir "$final" 2>/dev/null; fail "cannot rename $tmp to $final"; }
trap - EXIT

# Retention: keep the newest RETENTION complete backups; the one just made is always kept, even if
# a folder with a later name exists (a clock that was wrong once).
mapfile -t others < <(complete_backups | grep -vxF "$final" || true)
excess=$((${#others[@]} + 1 - RETENTION))
for ((i = 0; i < excess; i++)); do
  rm -rf "${others[$i]}"
  log "retention: removed ${others[$i]}"
done

size=$(du -sb "$final" | cut -f1)
duration=$(($(date +%s) - started))
metrics="$TEXTFILE_DIR/ai_gateway_backup.prom"
cat >"$metrics.tmp" <<METRICS
# HELP ai_gateway_backup_last_success_timestamp_seconds When the last backup completed.
# TYPE ai_gateway_backup_last_success_timestamp_seconds gauge
ai_gateway_backup_last_success_timestamp_seconds $(date +%s)
# HELP ai_gateway_backup_last_size_bytes Size of the last complete backup.
# TYPE ai_gateway_backup_last_size_bytes gauge
ai_gateway_backup_last_size_bytes $size
# HELP ai_gateway_backup_last_duration_seconds How long the last complete backup took.
# TYPE ai_gateway_backup_last_duration_seconds gauge
ai_gateway_backup_last_duration_seconds $duration
METRICS
# node-exporter runs as another user and must read it; it holds no secret.
chmod 0644 "$metrics.tmp"
mv "$metrics.tmp" "$metrics"
log "complete: $final ($size bytes in ${duration}s)"

# --- off-host copy (backup.offsite; scripts/offsite.sh) ---
# Only after the local backup is complete and recorded: a failed copy neither fails nor undoes it.
# offsite.sh writes its own metrics on success only, so a failure shows as OffsiteBackupStale.
if [[ -n ${OFFSITE_REPOSITORY:-} ]]; then
  bash "$(dirname "$0")/offsite.sh" "$env_file" send "$final" ||
    log "off-host copy of $final FAILED (exit $?); the local backup is complete. See the offsite lines above"
fi
# --- end off-host copy ---
