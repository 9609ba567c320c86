#!/usr/bin/env bash
# ai-gateway off-host copies: sends complete local backups (made by backup.sh) to an encrypted restic
# repository, thins it out there, checks it, and brings a backup back for restore.sh.
# Usage: offsite.sh <env-file> init                          create the repository, once
#        offsite.sh <env-file> send [<backup-folder>]        default: the newest complete backup
#        offsite.sh <env-file> check                         `restic check`, run by its own cron entry
#        offsite.sh <env-file> snapshots                     list what the repository holds
#        offsite.sh <env-file> restore <snapshot|latest> <target-folder>
#
# restic is the host's package (Debian/Ubuntu `restic`), not the official image: the repository may be
# a NAS mounted on the host or an sftp: target that uses root's SSH keys, which a container would need
# bind mounts for, and CI's round trip then runs the very same binary and command lines as the host.
# Needs restic >= 0.14 (repository format 2). 0.14 (Debian 12) has no RESTIC_HOST and no exit codes
# 10-12, so --host is passed explicitly and any non-zero exit is a failure.
#
# Secrets: the repository password is read by restic from OFFSITE_PASSWORD_FILE; credentials (S3 keys,
# ...) come from OFFSITE_ENV_FILE. Both are root-only files written by `pulumi up`; neither value is
# ever on a command line or in the log. Metrics are written on success only, so a failing run shows as
# a stale ai_gateway_offsite_last_success_timestamp_seconds.
set -Eeuo pipefail
umask 077

usage="usage: offsite.sh <env-file> init|send [<backup-folder>]|check|snapshots|restore <snapshot|latest> <target-folder>"
env_file=${1:?$usage}
mode=${2:?$usage}
set -a
# shellcheck source=/dev/null
. "$env_file"
set +a
: "${BACKUP_ROOT:?}" "${TEXTFILE_DIR:?}" "${OFFSITE_REPOSITORY:?}" "${OFFSITE_PASSWORD_FILE:?}" "${OFFSITE_HOST:?}" "${OFFSITE_WORK_DIR:?}"

log() { printf '%s offsite: %s\n' "$(date -u +%FT%TZ)" "$*" >&2; }
fail() { log "FAILED: $*"; exit 1; }
trap 'fail "command at line $LINENO exited with $?"' ERR

command -v restic >/dev/null || fail "restic is not installed. Fix: apt-get install restic (Debian 12 / Ubuntu 24.04 or newer)"
version=$(restic version | awk '{print $2}')
IFS=. read -r major minor _ <<<"$version"
((major > 0 || minor >= 14)) || fail "restic $version is older than 0.14, which cannot read repository format 2. Fix: install restic 0.14 or newer"

[[ -r $OFFSITE_PASSWORD_FILE ]] || fail "cannot read the repository password file $OFFSITE_PASSWORD_FILE. Fix: run \`pulumi up\` (it writes the file from the secret backupOffsitePassword)"
[[ $(stat -c %a "$OFFSITE_PASSWORD_FILE") == ?00 ]] || fail "$OFFSITE_PASSWORD_FILE is readable by group or others. Fix: chmod 600 $OFFSITE_PASSWORD_FILE"
if [[ -n ${OFFSITE_ENV_FILE:-} ]]; then
  [[ -r $OFFSITE_ENV_FILE ]] || fail "cannot read the credentials file $OFFSITE_ENV_FILE. Fix: run \`pulumi up\` (it writes the file from the secret backupOffsiteEnv)"
  [[ $(stat -c %a "$OFFSITE_ENV_FILE") == ?00 ]] || fail "$OFFSITE_ENV_FILE is readable by group or others. Fix: chmod 600 $OFFSITE_ENV_FILE"
  set -a
  # shellcheck source=/dev/null
  . "$OFFSITE_ENV_FILE"
  set +a
fi

# Everything restic needs reaches it through the environment, never its command line (`ps` shows that).
export RESTIC_PASSWORD_FILE=$OFFSITE_PASSWORD_FILE
export RESTIC_REPOSITORY=$OFFSITE_REPOSITORY
unset RESTIC_PASSWORD RESTIC_PASSWORD_COMMAND RESTIC_REPOSITORY_FILE
# Temporary pack files (about 100 MiB) and the cache go under the tool folder, not a small tmpfs /tmp.
export TMPDIR=$OFFSITE_WORK_DIR/tmp
mkdir -p "$TMPDIR" "$OFFSITE_WORK_DIR/cache"

urlencode() {
  local LC_ALL=C s=$1 out="" c i
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case $c in
      [A-Za-z0-9._~-]) out+=$c ;;
      *) printf -v c '%%%02X' "'$c" && out+=$c ;;
    esac
  done
  printf '%s' "$out"
}
# restic < 0.16.1 ignores RESTIC_REST_USERNAME/PASSWORD: put them into the URL, which lives in this
# environment only (readable by root alone) and which restic never prints with the password.
if [[ $RESTIC_REPOSITORY =~ ^rest:(https?://)(.*)$ && -n ${RESTIC_REST_USERNAME:-} && -n ${RESTIC_REST_PASSWORD:-} ]]; then
  RESTIC_REPOSITORY="rest:${BASH_REMATCH[1]}$(urlencode "$RESTIC_REST_USERNAME"):$(urlencode "$RESTIC_REST_PASSWORD")@${BASH_REMATCH[2]}"
fi

# The same --host from any machine: a rebuilt host finds and keeps thinning out the old host's copies.
TAG=ai-gateway
r() { restic --cache-dir "$OFFSITE_WORK_DIR/cache" "$@"; }

# One restic run at a time on this host (backup, check, restore): restic 0.14 fails on a locked
# repository instead of waiting. Stale restic locks of a killed run are then safe to remove.
exec 9>"$OFFSITE_WORK_DIR/lock"
flock -w "${OFFSITE_LOCK_WAIT:-3600}" 9 || fail "another off-host run has held $OFFSITE_WORK_DIR/lock for ${OFFSITE_LOCK_WAIT:-3600}s"

write_metrics() { # <file> <name value>...
  local file=$1 body="" name
  shift
  while (($#)); do
    name=$1
    body+="# TYPE $name gauge"$'\n'"$name $2"$'\n'
    shift 2
  done
  # node-exporter reads these as nobody, so they are the only files this script leaves world-readable.
  [[ -d $TEXTFILE_DIR ]] || install -d -m 0755 "$TEXTFILE_DIR"
  printf '%s' "$body" >"$file.tmp"
  chmod 0644 "$file.tmp"
  mv "$file.tmp" "$file"
}

newest_backup() {
  find "$BACKUP_ROOT" -mindepth 1 -maxdepth 1 -type d -regextype posix-extended -regex '.*/[0-9]{8}T[0-9]{6}Z' \
    -exec test -f '{}/MANIFEST.sha256' ';' -print | sort | tail -n 1
}

send() {
  local folder=${1:-} started size rc out id
  started=$(date +%s)
  [[ -n $folder ]] || folder=$(newest_backup)
  [[ -n $folder ]] || fail "no complete backup in $BACKUP_ROOT to send"
  folder=$(realpath "$folder")
  [[ $(basename "$folder") != .tmp-* && -f $folder/MANIFEST.sha256 ]] || fail "$folder is not a complete backup (no MANIFEST.sha256)"
  # Never send a copy that is already damaged: the off-host copy would look good and be useless.
  (cd "$folder" && sha256sum --check --strict --quiet MANIFEST.sha256 >&2) || fail "$folder does not match its manifest; not sent"
  r unlock >&2 || log "could not remove stale locks (continuing)"
  rc=0
  out=$(r backup --host "$OFFSITE_HOST" --tag "$TAG" "$folder" 2>&1) || rc=$?
  printf '%s\n' "$out" >&2
  if ((rc == 3)); then
    # Exit 3: a snapshot was saved without some files. It must not become "latest".
    id=$(grep -oE '^snapshot [0-9a-f]+ saved' <<<"$out" | awk '{print $2}' || true)
    if [[ -n $id ]] && r forget "$id" >&2; then log "forgot the incomplete snapshot $id"; fi
    fail "restic could not read every file of $folder (exit 3)"
  fi
  ((rc == 0)) || fail "restic backup of $folder to the repository exited $rc"
  r forget --host "$OFFSITE_HOST" --tag "$TAG" --group-by host,tags \
    --keep-daily "${OFFSITE_KEEP_DAILY:?}" --keep-weekly "${OFFSITE_KEEP_WEEKLY:?}" --prune >&2 ||
    fail "restic forget/prune exited $? (the copy of $folder was sent)"
  size=$(du -sb "$folder" | cut -f1)
  write_metrics "$TEXTFILE_DIR/ai_gateway_offsite.prom" \
    ai_gateway_offsite_last_success_timestamp_seconds "$(date +%s)" \
    ai_gateway_offsite_last_size_bytes "$size" \
    ai_gateway_offsite_last_duration_seconds "$(($(date +%s) - started))"
  log "complete: $folder sent ($size bytes in $(($(date +%s) - started))s)"
}

check() {
  r unlock >&2 || log "could not remove stale locks (continuing)"
  r check >&2 || fail "restic check found problems (exit $?); see above"
  write_metrics "$TEXTFILE_DIR/ai_gateway_offsite_check.prom" ai_gateway_offsite_check_last_success_timestamp_seconds "$(date +%s)"
  log "check complete: the repository has no errors"
}

restore() {
  local snapshot=${1:?$usage} target=${2:?$usage} parent manifests
  # An ID or "latest", never something restic could read as an option.
  [[ $snapshot =~ ^(latest|[0-9a-f]{8,64})$ ]] || fail "\"$snapshot\" is not a snapshot ID or latest; see: offsite.sh <env-file> snapshots"
  [[ ! -e $target ]] || fail "$target already exists; choose a new folder"
  parent=$(dirname "$target")
  mkdir -p "$parent"
  # Restored next to the target, then renamed: the target is either absent or a whole backup.
  restore_tmp=$(mktemp -d "$parent/.offsite-restore-XXXXXX")
  trap 'rm -rf "$restore_tmp"' EXIT
  r restore "$snapshot" --host "$OFFSITE_HOST" --tag "$TAG" --target "$restore_tmp" >&2 || fail "restic restore of $snapshot exited $?"
  # A snapshot holds the backup folder under its original absolute path; find it by its manifest.
  mapfile -t manifests < <(find "$restore_tmp" -mindepth 2 -type f -name MANIFEST.sha256)
  ((${#manifests[@]} == 1)) || fail "snapshot $snapshot holds ${#manifests[@]} backups, expected 1"
  mv "$(dirname "${manifests[0]}")" "$target"
  log "restored snapshot $snapshot to $target; restore.sh verifies it against its manifest"
}

case $mode in
  init) r init >&2 && log "repository initialised; keep the password (backupOffsitePassword) somewhere other than this host" ;;
  send) send "${3:-}" ;;
  check) check ;;
  snapshots) r snapshots --host "$OFFSITE_HOST" --tag "$TAG" ;;
  restore) restore "${3:-}" "${4:-}" ;;
  *) fail "unknown mode $mode; $usage" ;;
esac
