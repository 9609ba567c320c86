#!/usr/bin/env bash
# ai-gateway restore: puts back the Qdrant collections (through Qdrant's snapshot recovery API) and
# Grafana's data folder from one backup made by backup.sh.
# Usage: restore.sh <env-file> <backup-dir>
#        restore.sh <env-file> --from-offsite <snapshot|latest>   (from the backup.offsite repository)
# Needs on the host: bash, coreutils, curl, python3 (URL encoding), tar and flock (util-linux).
#
# Nothing is changed until the whole backup has been verified against its SHA-256 manifest: a
# partial or corrupt backup is refused as it is. Grafana's data is first unpacked beside the live
# folder (same filesystem), and only swapped in with two renames once it is complete, so a failure
# (a full disk) leaves the live data as it was; Grafana is always started again.
set -euo pipefail
umask 077
export LC_ALL=C

env_file=${1:?usage: restore.sh <env-file> <backup-dir>}
backup=${2:?usage: restore.sh <env-file> <backup-dir>}
set -a
# shellcheck source=/dev/null
. "$env_file"
set +a
: "${QDRANT_URL:?}" "${QDRANT_API_KEY_FILE:?}"

say() { printf 'restore: %s\n' "$*" >&2; }
refuse() { say "refused, nothing was changed: $*"; exit 2; }
failed() { say "FAILED: $*"; exit 1; }
# Any step that fails without its own message still says so; the EXIT trap below starts Grafana again.
trap 'failed "command at line $LINENO exited with $?"' ERR

# --- off-host source (backup.offsite; scripts/offsite.sh) ---
# The snapshot is fetched into a folder under the backups folder, restored from exactly like a local
# backup (manifest and all), and removed afterwards: one restore path for both.
offsite_tmp=""
if [[ $backup == --from-offsite ]]; then
  snapshot=${3:?usage: restore.sh <env-file> --from-offsite <snapshot|latest>}
  [[ -n ${OFFSITE_REPOSITORY:-} && -n ${BACKUP_ROOT:-} ]] || refuse "no off-host repository in $env_file (set backup.offsite and run pulumi up)"
  mkdir -p "$BACKUP_ROOT"
  offsite_tmp=$(mktemp -d "$BACKUP_ROOT/.offsite-XXXXXX")
  trap 'rm -rf "$offsite_tmp"' EXIT
  bash "$(dirname "$0")/offsite.sh" "$env_file" restore "$snapshot" "$offsite_tmp/backup" || refuse "could not fetch $snapshot from the off-host repository"
  backup="$offsite_tmp/backup"
fi
# --- end off-host source ---

[[ -d $backup ]] || refuse "$backup is not a folder"
backup=$(cd "$backup" && pwd)

# Backup runs and restores take turns: retention must not delete this backup while it is read. An
# operator asked for this restore, so it waits for a running backup (bounded) instead of giving up.
lock_root=${BACKUP_ROOT:-$(dirname "$backup")}
if [[ -d $lock_root ]]; then
  exec 9>>"$lock_root/.lock"
  flock -w "${RESTORE_LOCK_WAIT:-900}" 9 || refuse "a backup run still holds $lock_root/.lock after ${RESTORE_LOCK_WAIT:-900}s; try again when it has ended"
fi

[[ $(basename "$backup") != .tmp-* ]] || refuse "$backup is an unfinished backup (its run never completed)"
[[ -f $backup/MANIFEST.sha256 ]] || refuse "$backup has no MANIFEST.sha256: it is partial"
(cd "$backup" && sha256sum --check --strict --quiet MANIFEST.sha256 >&2) || refuse "$backup does not match its manifest: it is corrupt"
# Every file must be listed: a file added after the backup was made is as suspect as a changed one.
listed=$(cut -d' ' -f3- "$backup/MANIFEST.sha256" | sort)
present=$(cd "$backup" && find . -type f ! -name MANIFEST.sha256 | sort)
[[ $listed == "$present" ]] || refuse "$backup holds files its manifest does not list"

grafana_restore=""
if [[ -f $backup/grafana.tar.gz && -n ${GRAFANA_DATA:-} ]]; then
  grafana_restore=1
  GRAFANA_DATA=${GRAFANA_DATA%/}
  parent=$(dirname "$GRAFANA_DATA")
  name=$(basename "$GRAFANA_DATA")
fi
new=""          # the unpacked copy, until it has been swapped in
keep_new=""     # set when a failed swap leaves it as the only place of the restored data
stopped=""      # set while the Grafana container is stopped by us
on_exit() {
  [[ -n $new && -z $keep_new ]] && rm -rf "$new"
  [[ -z $offsite_tmp ]] || rm -rf "$offsite_tmp" # off-host source
  if [[ -n $stopped ]]; then
    docker start "$GRAFANA_CONTAINER" >/dev/null || say "could not start Grafana again: run \`docker start $GRAFANA_CONTAINER\`"
  fi
  return 0
}
trap on_exit EXIT

# 1. Unpack Grafana's data beside the live folder while Grafana runs on: nothing live changes yet.
if [[ -n $grafana_restore ]]; then
  mkdir -p "$parent"
  new=$(mktemp -d "$parent/.$name.restore-XXXXXX") || failed "cannot create a folder in $parent. Nothing was changed"
  if ! tar -C "$new" -xpzf "$backup/grafana.tar.gz"; then
    free=$(df -B1 --output=avail "$parent" | tail -n 1 | tr -d ' ')
    failed "could not unpack $backup/grafana.tar.gz into $new ($free bytes free in $parent); that folder was removed. Nothing was changed: Grafana's data in $GRAFANA_DATA is as it was and Qdrant was not touched"
  fi
  # The container works with the live folder's owner and mode; the copy takes them over.
  if [[ -d $GRAFANA_DATA ]]; then
    { chown --reference="$GRAFANA_DATA" "$new" && chmod --reference="$GRAFANA_DATA" "$new"; } || failed "cannot give $new the owner and mode of $GRAFANA_DATA. Nothing was changed"
  fi
fi

# 2. Qdrant, collection by collection.
api_key=$(<"$QDRANT_API_KEY_FILE")
# Through the entry point (a wildcard bindAddress), curl trusts the CA that signs its certificate.
ca=()
[[ -n ${QDRANT_CA_FILE:-} ]] && ca=(--cacert "$QDRANT_CA_FILE")
urlencode() { python3 -c 'import sys, urllib.parse; sys.stdout.write(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
restored="" # the collections Qdrant took back, for the messages
shopt -s nullglob
for snapshot in "$backup"/qdrant/*.snapshot; do
  c=$(basename "$snapshot" .snapshot)
  sum=$(sha256sum "$snapshot" | cut -d' ' -f1)
  # priority=snapshot: the snapshot wins over whatever the collection holds now; Qdrant checks the sum.
  # The key reaches curl on standard input (-H @-), never on its command line, which `ps` shows to everyone.
  # The file name is quoted for -F, which would otherwise split it at ; or ,.
  if ! curl -fsS --max-time "${QDRANT_TIMEOUT:-900}" "${ca[@]}" -H @- -X POST -F "snapshot=@\"$snapshot\"" \
    "$QDRANT_URL/collections/$(urlencode "$c")/snapshots/upload?priority=snapshot&wait=true&checksum=$sum" >/dev/null <<<"api-key: $api_key"; then
    failed "Qdrant did not take the snapshot of collection $c. Restored before it: ${restored:-none}; the others are as they were. Grafana's data was not changed"
  fi
  restored+="${restored:+, }$c"
  say "qdrant collection $c restored"
done

# 3. Grafana: stopped, so it does not write its database during the swap; two renames, the old data
# kept until the new data is in place.
if [[ -n $grafana_restore ]]; then
  if [[ -n ${GRAFANA_CONTAINER:-} ]]; then
    docker stop "$GRAFANA_CONTAINER" >/dev/null || failed "cannot stop Grafana ($GRAFANA_CONTAINER); its data was not changed. Qdrant: ${restored:-nothing} restored"
    stopped=1
  fi
  if [[ -e $GRAFANA_DATA ]]; then
    old="$new.previous"
    mv -T "$GRAFANA_DATA" "$old" || failed "cannot move $GRAFANA_DATA aside; it is unchanged. Qdrant: ${restored:-nothing} restored"
    if ! mv -T "$new" "$GRAFANA_DATA"; then
      if mv -T "$old" "$GRAFANA_DATA"; then
        failed "cannot move the restored data to $GRAFANA_DATA; the old data is back in place. Qdrant: ${restored:-nothing} restored"
      fi
      keep_new=1
      failed "cannot move the restored data to $GRAFANA_DATA, nor the old data back: the old data is in $old, the restored data in $new; move one of them to $GRAFANA_DATA"
    fi
    new=""
    rm -rf "$old" || say "could not remove the previous data in $old; remove it by hand"
  else
    mv -T "$new" "$GRAFANA_DATA" || failed "cannot move $new to $GRAFANA_DATA. Qdrant: ${restored:-nothing} restored"
    new=""
  fi
  say "grafana data restored"
fi
say "done from $backup"
