// How old the last successful backup may get before BackupStale fires: twice the schedule's longest
// gap between two runs (one failed run is tolerated, two in a row page someone) plus a margin for a
// run that takes long. Pure, so the alert, the docs and the tests compute the same number.

import { cronFieldValues } from "../config/cron.js";

/** Slack on top of two intervals: a slow run finishes late, and Prometheus scrapes every minute or so. */
export const BACKUP_AGE_MARGIN_MINUTES = 120;

/**
 * The longest time between two consecutive runs of a 5-field cron schedule, in minutes. Days are
 * walked over eight years, so leap days and months of different length count; clock changes do not.
 * Throws for a schedule that never runs (such as "0 0 31 2 *").
 */
export function scheduleIntervalMinutes(cron: string): number {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) throw new Error(`cron schedule "${cron}" has ${fields.length} fields, not 5`);
  const [minutes, hours, dom, months, dow] = fields.map((f, i) => cronFieldValues(f, i)) as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  if (dow.has(7)) dow.add(0);
  const times = [...hours].flatMap((h) => [...minutes].map((m) => h * 60 + m)).sort((x, y) => x - y);
  // cron: when both day fields are restricted, a day matches if either does; otherwise both must.
  const domStar = fields[2]!.startsWith("*");
  const dowStar = fields[4]!.startsWith("*");
  const dayMatches = (d: Date) => {
    const byDom = dom.has(d.getUTCDate());
    const byDow = dow.has(d.getUTCDay());
    if (!months.has(d.getUTCMonth() + 1)) return false;
    return domStar || dowStar ? byDom && byDow : byDom || byDow;
  };
  const days: number[] = [];
  const start = Date.UTC(2024, 0, 1);
  for (let i = 0; i < 8 * 366; i++) if (dayMatches(new Date(start + i * 86_400_000))) days.push(i);
  if (days.length === 0 || times.length === 0) throw new Error(`cron schedule "${cron}" never runs`);
  // Within a day the gaps are those between its run times; across days, from the day's last run to the next day's first.
  let longest = 0;
  for (let i = 1; i < times.length; i++) longest = Math.max(longest, times[i]! - times[i - 1]!);
  const first = times[0]!;
  const last = times[times.length - 1]!;
  for (let i = 1; i < days.length; i++) longest = Math.max(longest, (days[i]! - days[i - 1]!) * 1440 - last + first);
  // A single run in eight years (a leap day) still has a gap: to its own next occurrence.
  if (days.length === 1) longest = Math.max(longest, 8 * 366 * 1440);
  return longest;
}

/** The age, in minutes, at which the last success counts as stale for this schedule. */
export function backupMaxAgeMinutes(cron: string): number {
  return 2 * scheduleIntervalMinutes(cron) + BACKUP_AGE_MARGIN_MINUTES;
}

/** A Prometheus duration for a number of minutes: whole hours as `50h`, anything else as `160m`. */
export const promDuration = (minutes: number) => (minutes % 60 === 0 ? `${minutes / 60}h` : `${minutes}m`);

/** The same, as a reader says it: `50 h`, `2 h 40 min`, `45 min`. */
export function humanDuration(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return [h ? `${h} h` : "", m ? `${m} min` : ""].filter(Boolean).join(" ");
}
