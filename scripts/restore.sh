#!/usr/bin/env bash
# ai-gateway restore: puts back the Qdrant collections (through Qdrant's snapshot recovery API) and
# Grafana's data folder from one backup made by backup.sh.
# Usage: restore.sh <env-file> <backup-dir>
#
# Nothing is changed until the whole backup has been verified against its SHA-256 manifest: a
# partial or corrupt backup is refused as it is.
set -euo pipefail

env_file=${1:?usage: restore.sh <env-file> <backup-dir>}
backup=${2:?usage: restore.sh <env-file> <backup-dir>}
set -a
# shellcheck source=/dev/null
. "$env_file"
set +a
: "${QDRANT_URL:?}" "${QDRANT_API_KEY_FILE:?}"

refuse() { printf 'restore: refused, nothing was changed: %s\n' "$*" >&2; exit 2; }

[[ -d $backup ]] || refuse "$backup is not a folder"
[[ $(basename "$backup") != .tmp-* ]] || refuse "$backup is an unfinished backup (its run never completed)"
[[ -f $backup/MANIFEST.sha256 ]] || refuse "$backup has no MANIFEST.sha256: it is partial"
(cd "$backup" && sha256sum --check --strict --quiet MANIFEST.sha256 >&2) || refuse "$backup does not match its manifest: it is corrupt"
# Every file must be listed: a file added after the backup was made is as suspect as a changed one.
listed=$(cut -d' ' -f3- "$backup/MANIFEST.sha256" | sort)
present=$(cd "$backup" && find . -type f ! -name MANIFEST.sha256 | sort)
[[ $listed == "$present" ]] || refuse "$backup holds files its manifest does not list"

api_key=$(<"$QDRANT_API_KEY_FILE")
shopt -s nullglob
for snapshot in "$backup"/qdrant/*.snapshot; do
  c=$(basename "$snapshot" .snapshot)
  sum=$(sha256sum "$snapshot" | cut -d' ' -f1)
  # priority=snapshot: the snapshot wins over whatever the collection holds now; Qdrant checks the sum.
  # The key reaches curl on standard input (-H @-), never on its command line, which `ps` shows to everyone.
  curl -fsS --max-time "${QDRANT_TIMEOUT:-900}" -H @- -X POST \
    -F "snapshot=@$snapshot" "$QDRANT_URL/collections/$c/snapshots/upload?priority=snapshot&wait=true&checksum=$sum" >/dev/null <<<"api-key: $api_key"
  printf 'restore: qdrant collection %s restored\n' "$c" >&2
done

if [[ -f $backup/grafana.tar.gz && -n ${GRAFANA_DATA:-} ]]; then
  # Grafana must not write its database while the folder is replaced.
  [[ -n ${GRAFANA_CONTAINER:-} ]] && docker stop "$GRAFANA_CONTAINER" >/dev/null
  find "$GRAFANA_DATA" -mindepth 1 -delete
  tar -C "$GRAFANA_DATA" -xzf "$backup/grafana.tar.gz"
  [[ -n ${GRAFANA_CONTAINER:-} ]] && docker start "$GRAFANA_CONTAINER" >/dev/null
  printf 'restore: grafana data restored\n' >&2
fi
printf 'restore: done from %s\n' "$backup" >&2
