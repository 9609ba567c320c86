// The alert rules: what each alert watches, when it fires and what it tells the person it reaches.
// renderers/prometheus.ts writes them as rule files; the docs' alert table is generated from them.
import { DEFAULTS, type AlertThresholds, type OffsiteSettings } from "../config/schema.js";
import { OLLAMA } from "../services/ollama.js";
import { FLEET_RELAY_JOB } from "../services/prometheus.js";
import { BACKUP_AGE_MARGIN_MINUTES, backupMaxAgeMinutes, humanDuration, promDuration, scheduleIntervalMinutes } from "./backupAge.js";

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly severity: "critical" | "warning";
  readonly summary: string;
  readonly description: string;
}

export interface RuleFile {
  /** File name, also the rule group's domain. */
  readonly name: string;
  readonly rules: readonly AlertRule[];
}

const pct = (p: number) => p / 100;
/**
 * For the default daily schedule: the age at which the latest scheduled run has evidently not
 * succeeded (one interval plus the margin, 26 h). The evidence report asks that stricter question;
 * BackupStale waits for two missed runs (backupMaxAgeMinutes), so one transient failure pages no one.
 */
export const BACKUP_MAX_AGE_HOURS = (scheduleIntervalMinutes(DEFAULTS.backup.schedule) + BACKUP_AGE_MARGIN_MINUTES) / 60;

export interface RuleOptions {
  readonly gpu: boolean;
  readonly host: boolean;
  readonly backup: boolean;
  /** backup.schedule, which sets BackupStale's age; the default schedule when not given. */
  readonly backupSchedule?: string;
  /** backup.offsite, when set (and backups are on): the off-host copy and check alerts. */
  readonly offsite?: Pick<OffsiteSettings, "checkSchedule" | "maxAgeHours">;
  /** The gateway has fleet workers: an alert when one's Ollama stops answering. */
  readonly fleet?: boolean;
}

/** Alert rules split by domain, one small file each. Thresholds come from the `alerts` config. */
export function alertRuleFiles(t: AlertThresholds, opts: RuleOptions): RuleFile[] {
  const files: RuleFile[] = [
    {
      name: "gateway",
      rules: [
        {
          alert: "GatewayDown",
          expr: 'up{job="litellm"} == 0',
          for: "2m",
          severity: "critical",
          summary: "The LiteLLM gateway is down",
          description: "Prometheus has not been able to scrape LiteLLM for 2 minutes: clients get no answers.",
        },
        {
          alert: "GatewayErrorRateHigh",
          expr: `sum(rate(litellm_proxy_failed_requests_metric_total[5m])) / sum(rate(litellm_proxy_total_requests_metric_total[5m])) > ${pct(t.errorRatePercent)}`,
          for: "10m",
          severity: "warning",
          summary: `More than ${t.errorRatePercent}% of gateway requests fail`,
          description: "{{ $value | humanizePercentage }} of requests failed over the last 5 minutes.",
        },
        {
          alert: "GatewayFallbackRateHigh",
          expr: `sum(rate(litellm_deployment_successful_fallbacks_total[10m])) / sum(rate(litellm_proxy_total_requests_metric_total[10m])) > ${pct(t.fallbackRatePercent)}`,
          for: "10m",
          severity: "warning",
          summary: `More than ${t.fallbackRatePercent}% of requests fall back to the cloud`,
          description: "{{ $value | humanizePercentage }} of requests were answered by a fallback: the local models are failing or too slow, and the cloud bill grows.",
        },
        {
          alert: "RouteLatencyP95High",
          expr: `histogram_quantile(0.95, sum by (le, requested_model) (rate(litellm_request_total_latency_metric_bucket[10m]))) > ${t.p95LatencySeconds}`,
          for: "10m",
          severity: "warning",
          summary: `p95 latency of a route is above ${t.p95LatencySeconds} s`,
          description: "p95 latency of {{ $labels.requested_model }} is {{ $value | humanizeDuration }}.",
        },
      ],
    },
    {
      name: "targets",
      rules: [
        {
          alert: "ScrapeTargetDown",
          expr: "up == 0",
          for: "5m",
          severity: "warning",
          summary: "A monitored service does not answer",
          description: "{{ $labels.job }} at {{ $labels.instance }} has not been scraped for 5 minutes.",
        },
        {
          // An alert that cannot be delivered protects nobody: a wrong Slack URL or SMTP password shows here,
          // in Grafana and through any receiver that still works.
          alert: "AlertNotificationsFailing",
          expr: "sum by (integration) (increase(alertmanager_notifications_failed_total[15m])) > 0",
          for: "5m",
          severity: "warning",
          summary: "Alertmanager cannot deliver alerts",
          description: "{{ $value | humanize }} notifications through {{ $labels.integration }} failed in the last 15 minutes: check its URL or password.",
        },
      ],
    },
  ];
  if (opts.host) {
    files.push({
      name: "host",
      rules: [
        {
          alert: "HostMemoryNearFull",
          expr: `(1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes) * 100 > ${t.hostMemoryPercent}`,
          for: "5m",
          severity: "warning",
          summary: `Host memory is more than ${t.hostMemoryPercent}% used`,
          description: "{{ $value | humanize }}% of the host's memory is in use.",
        },
        {
          alert: "HostDiskNearFull",
          expr: `(1 - node_filesystem_avail_bytes{fstype!~"tmpfs|overlay|squashfs"} / node_filesystem_size_bytes{fstype!~"tmpfs|overlay|squashfs"}) * 100 > ${t.diskPercent}`,
          for: "10m",
          severity: "warning",
          summary: `A host filesystem is more than ${t.diskPercent}% full`,
          description: "{{ $labels.mountpoint }} is {{ $value | humanize }}% full.",
        },
      ],
    });
  }
  if (opts.backup) {
    const maxAge = backupMaxAgeMinutes(opts.backupSchedule ?? DEFAULTS.backup.schedule);
    files.push({
      name: "backup",
      rules: [
        {
          alert: "BackupStale",
          expr: `time() - ai_gateway_backup_last_success_timestamp_seconds > ${maxAge} * 60`,
          for: "10m",
          severity: "critical",
          summary: `The last successful backup is more than ${humanDuration(maxAge)} old`,
          description: "The last backup succeeded {{ $value | humanizeDuration }} ago: the scheduled run is failing or no longer runs. See <dataRoot>/backup/backup.log.",
        },
        {
          alert: "BackupNeverSucceeded",
          expr: "absent(ai_gateway_backup_last_success_timestamp_seconds)",
          for: promDuration(maxAge),
          severity: "critical",
          summary: `No backup has succeeded for ${humanDuration(maxAge)}`,
          description: "node-exporter reports no backup success at all: the backup has never completed since the stack was deployed.",
        },
        ...(opts.offsite ? offsiteRules(opts.offsite, maxAge) : []),
      ],
    });
  }
  if (opts.fleet) {
    files.push({
      name: "fleet",
      rules: [
        {
          // The gateway's relay asks each worker's Ollama for its version every 15 s (services/fleet.ts);
          // the relay's upstreams are named by worker in the scrape config.
          alert: "WorkerOllamaDown",
          expr: `caddy_reverse_proxy_upstreams_healthy{job="${FLEET_RELAY_JOB}", upstream=~".+:${OLLAMA.port}"} == 0`,
          for: "2m",
          severity: "warning",
          summary: "A fleet worker's Ollama does not answer the gateway",
          description:
            "Ollama on worker {{ $labels.host }} ({{ $labels.upstream }}) has not answered the gateway's health check for 2 minutes: its requests go to the other hosts, and fallbacks rise if none is left. Run `npm run doctor` on the gateway host.",
        },
      ],
    });
  }
  if (opts.gpu) {
    files.push({
      name: "gpu",
      rules: [
        {
          alert: "GpuMemoryNearFull",
          expr: `DCGM_FI_DEV_FB_USED / (DCGM_FI_DEV_FB_USED + DCGM_FI_DEV_FB_FREE) * 100 > ${t.gpuMemoryPercent}`,
          for: "5m",
          severity: "warning",
          summary: `GPU memory is more than ${t.gpuMemoryPercent}% used`,
          description: "GPU {{ $labels.gpu }} has {{ $value | humanize }}% of its memory in use: the next model load may fail or spill to CPU.",
        },
      ],
    });
  }
  return files;
}

/** Off-host copies (scripts/offsite.sh): sent after every backup by default, so the same age applies. */
function offsiteRules(o: Pick<OffsiteSettings, "checkSchedule" | "maxAgeHours">, backupMaxAge: number): AlertRule[] {
  const maxAge = o.maxAgeHours !== undefined ? o.maxAgeHours * 60 : backupMaxAge;
  const checkAge = backupMaxAgeMinutes(o.checkSchedule);
  return [
    {
      alert: "OffsiteBackupStale",
      expr: `time() - ai_gateway_offsite_last_success_timestamp_seconds > ${maxAge} * 60`,
      for: "10m",
      severity: "critical",
      summary: `The last off-host copy is more than ${humanDuration(maxAge)} old`,
      description:
        "The last copy reached the restic repository {{ $value | humanizeDuration }} ago: the repository is unreachable, full or refuses the password, or the local backup fails. A lost disk would now lose more. See the offsite lines in <dataRoot>/backup/backup.log.",
    },
    {
      alert: "OffsiteBackupNeverSucceeded",
      expr: "absent(ai_gateway_offsite_last_success_timestamp_seconds)",
      for: promDuration(maxAge),
      severity: "critical",
      summary: `No off-host copy has succeeded for ${humanDuration(maxAge)}`,
      description: "node-exporter reports no off-host copy at all: was the repository created (offsite.sh <env-file> init)? See <dataRoot>/backup/backup.log.",
    },
    {
      alert: "OffsiteCheckStale",
      expr: `time() - ai_gateway_offsite_check_last_success_timestamp_seconds > ${checkAge} * 60`,
      for: "10m",
      severity: "warning",
      summary: `restic check has not passed for ${humanDuration(checkAge)}`,
      description: "The last passing restic check of the off-host repository was {{ $value | humanizeDuration }} ago: it finds errors or no longer runs. See the offsite lines in <dataRoot>/backup/backup.log.",
    },
  ];
}
