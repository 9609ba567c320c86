#!/usr/bin/env bash
# ai-gateway backup: Qdrant collection snapshots (through Qdrant's API), Grafana's data folder, the
# config files as the containers run them, and the Pulumi state folder when it is local.
# Usage: backup.sh <env-file>   (the env file is written by `pulumi up`; see backup.env)
#
# A backup is written to <BACKUP_ROOT>/.tmp-<ts>/, gets a SHA-256 manifest, and only then is renamed
# to <BACKUP_ROOT>/<ts>/, so a directory without .tmp- is always complete. Older copies beyond
# RETENTION are deleted only after a new one succeeded, and success is recorded as metrics for
# node-exporter's textfile collector; a failed run records nothing, so the staleness alert fires.
set -euo pipefail

env_file=${1:?usage: backup.sh <env-file>}
set -a
# shellcheck source=/dev/null
. "$env_file"
set +a
: "${BACKUP_ROOT:?}" "${QDRANT_URL:?}" "${QDRANT_API_KEY_FILE:?}" "${RETENTION:?}" "${TEXTFILE_DIR:?}"

started=$(date +%s)
ts=${BACKUP_TIMESTAMP:-$(date -u +%Y%m%dT%H%M%SZ)}
tmp="$BACKUP_ROOT/.tmp-$ts"
final="$BACKUP_ROOT/$ts"

log() { printf '%s backup: %s\n' "$(date -u +%FT%TZ)" "$*" >&2; }
fail() { log "FAILED: $*"; exit 1; }
cleanup() { rm -rf "$tmp" "$tmp.manifest"; }
trap cleanup EXIT
# Any step that fails without its own message still says so in the log that cron keeps.
trap 'fail "command at line $LINENO exited with $?"' ERR

[[ -e $final ]] && fail "$final already exists"
mkdir -p "$BACKUP_ROOT" "$TEXTFILE_DIR"
# Left behind by a run that was killed: never a complete backup.
find "$BACKUP_ROOT" -maxdepth 1 -name '.tmp-*' -type d -mmin +60 -exec rm -rf {} +
mkdir -p "$tmp/qdrant" "$tmp/config" || fail "cannot create $tmp"

api_key=$(<"$QDRANT_API_KEY_FILE")
# The key reaches curl on standard input (-H @-), never on its command line, which `ps` shows to everyone.
qdrant() { curl -fsS --max-time "${QDRANT_TIMEOUT:-900}" -H @- "$@" <<<"api-key: $api_key"; }

# Collection names from {"result":{"collections":[{"name":"a"},...]}}; no jq on a bare host.
collections=$(qdrant "$QDRANT_URL/collections") || fail "cannot list Qdrant collections at $QDRANT_URL"
mapfile -t names < <(grep -o '"name":"[^"]*"' <<<"$collections" | sed 's/^"name":"//; s/"$//')
for c in "${names[@]}"; do
  created=$(qdrant -X POST "$QDRANT_URL/collections/$c/snapshots?wait=true") || fail "snapshot of collection $c"
  snap=$(grep -o '"name":"[^"]*"' <<<"$created" | head -n 1 | sed 's/^"name":"//; s/"$//')
  [[ -n $snap ]] || fail "Qdrant returned no snapshot name for $c"
  qdrant -o "$tmp/qdrant/$c.snapshot" "$QDRANT_URL/collections/$c/snapshots/$snap" || fail "download of snapshot $snap"
  # The copy is ours now; do not let snapshots pile up in Qdrant's own folder.
  qdrant -X DELETE "$QDRANT_URL/collections/$c/snapshots/$snap" >/dev/null || log "could not delete snapshot $snap in Qdrant"
  log "qdrant collection $c: $(stat -c %s "$tmp/qdrant/$c.snapshot") bytes"
done

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
(cd "$tmp" && find . -type f -print0 | sort -z | xargs -0 --no-run-if-empty sha256sum) >"$tmp.manifest"
mv "$tmp.manifest" "$tmp/MANIFEST.sha256"
mv "$tmp" "$final"
trap - EXIT

# Retention: keep the newest RETENTION complete backups (names sort by time).
mapfile -t complete < <(find "$BACKUP_ROOT" -mindepth 1 -maxdepth 1 -type d ! -name '.*' -exec test -f '{}/MANIFEST.sha256' ';' -print | sort)
excess=$((${#complete[@]} - RETENTION))
for ((i = 0; i < excess; i++)); do
  rm -rf "${complete[$i]}"
  log "retention: removed ${complete[$i]}"
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
mv "$metrics.tmp" "$metrics"
log "complete: $final ($size bytes in ${duration}s)"
