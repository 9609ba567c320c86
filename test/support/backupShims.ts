// Stand-ins for the programs scripts/backup.sh and scripts/restore.sh start, written into a bin/
// folder that a test puts first on PATH.
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const REAL_CURL = execFileSync("sh", ["-c", "command -v curl"], { encoding: "utf8" }).trim();

function writeExecutable(path: string, text: string) {
  writeFileSync(path, text);
  chmodSync(path, 0o755);
}

/**
 * docker, whose `docker cp <container>:<path> -` writes a recognisable stand-in for a tar stream; and
 * curl, the real one behind a shim that records every command line it was given (what `ps` shows) in
 * curlLog.
 */
export function writeDockerAndCurlShims(bin: string, curlLog: string) {
  mkdirSync(bin, { recursive: true });
  writeExecutable(join(bin, "docker"), '#!/bin/sh\n[ "$1" = cp ] && [ "$3" = - ] && echo "tar of $2" && exit 0\nexit 1\n');
  writeExecutable(join(bin, "curl"), `#!/bin/sh\nprintf '%s\\n' "$*" >> ${curlLog}\nexec ${REAL_CURL} "$@"\n`);
}

// Every program the scripts may start; a shim for each records its command line, then runs the real one.
export const SHIMMED = [
  "basename", "cat", "chmod", "chown", "curl", "cut", "date", "df", "dirname", "du", "find", "flock", "grep", "gzip",
  "head", "mkdir", "mktemp", "mv", "python3", "rm", "rmdir", "sha256sum", "sort", "stat", "tail", "tar", "touch", "tr", "xargs",
];
// The system's own programs where they exist (not a version manager's shim that starts more programs).
const which = (cmd: string) =>
  [`/usr/bin/${cmd}`, `/bin/${cmd}`].find((p) => existsSync(p)) ?? execFileSync("sh", ["-c", `command -v ${cmd}`], { encoding: "utf8" }).trim();
// Looked up on first use, so a test that needs none of them does not depend on them all being installed.
let real: Record<string, string> | undefined;
const realPrograms = () => (real ??= Object.fromEntries([...SHIMMED, "env"].map((c) => [c, which(c)])));

/**
 * A shim for every program in SHIMMED that appends its argv (as `ps` shows it) to argvLog, and
 * "ENV-LEAK <program>" if the environment it got holds the text of needleFile; and a docker whose
 * `cp <container>:<path> -` writes a tar stream and whose stop and start write Grafana's state.
 */
export function writeRecordingShims(bin: string, files: { readonly argvLog: string; readonly dockerLog: string; readonly grafanaState: string; readonly needleFile: string }) {
  mkdirSync(bin, { recursive: true });
  writeExecutable(
    join(bin, "docker"),
    [
      "#!/bin/sh",
      `printf '%s\\n' "docker $*" >> ${files.argvLog}`,
      `printf '%s\\n' "$*" >> ${files.dockerLog}`,
      'case "$1" in',
      '  cp) [ "$3" = - ] && echo "tar of $2" && exit 0; exit 1 ;;',
      `  stop) echo stopped > ${files.grafanaState} ;;`,
      `  start) echo running > ${files.grafanaState} ;;`,
      "  *) exit 1 ;;",
      "esac",
      "",
    ].join("\n"),
  );
  const programs = realPrograms();
  for (const cmd of SHIMMED) {
    writeExecutable(
      join(bin, cmd),
      `#!/bin/sh\nprintf '%s\\n' "${cmd} $*" >> ${files.argvLog}\n${programs["env"]} | ${programs["grep"]} -qFf ${files.needleFile} && echo "ENV-LEAK ${cmd}" >> ${files.argvLog}\nexec ${programs[cmd]} "$@"\n`,
    );
  }
}
