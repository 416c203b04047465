import type { CoachingResult, JobView, PlanResult } from '../api-types.js';
import { table } from './table.js';

/** A finished or running job, for people: status line, then the schedule, the coaching or the error. */
export function formatJob(view: JobView): string {
  const lines = [headline(view)];
  if (view.status === 'completed' && view.result) {
    lines.push(
      '',
      view.kind === 'plan'
        ? formatPlan(view.result as PlanResult)
        : formatCoaching(view.result as CoachingResult),
    );
  }
  if (view.error) lines.push(`  error: ${view.error.code}: ${view.error.message}`);
  if (view.waitingUntil) {
    const start = view.estimatedStartAt ? `; estimated start ${view.estimatedStartAt}` : '';
    lines.push(`  waiting for capacity: returns ${view.waitingUntil}${start}`);
  }
  if (view.attemptsOmitted) {
    const { count, rate_limited } = view.attemptsOmitted;
    lines.push(
      `  attempts: ${view.attempts.length + count} (${count} not listed, ${rate_limited} of them rate limited)`,
    );
  }
  if (view.coaching && view.status !== 'completed')
    lines.push(`  coaching: ${view.coaching.jobId} (${view.coaching.status})`);
  return lines.join('\n');
}

function headline(view: JobView): string {
  const served = view.attempts.filter((a) => a.outcome === 'ok').at(-1)?.instance;
  const by = served ? ` by ${served}` : '';
  return `${view.kind === 'plan' ? 'Plan' : 'Coaching'} ${view.id}: ${view.status}${by}`;
}

export function formatPlan(plan: PlanResult): string {
  const rows = plan.items.map((item) => [item.start, item.end, item.priority, item.task]);
  return `${plan.summary}\n\n${table(['START', 'END', 'PRIORITY', 'TASK'], rows)}`;
}

export function formatCoaching(coaching: CoachingResult): string {
  const section = (title: string, entries: readonly string[]) =>
    entries.length === 0 ? [] : [`${title}:`, ...entries.map((e) => `  - ${e}`)];
  return [
    ...section('Strengths', coaching.strengths),
    ...section('Issues', coaching.issues),
    ...section('Improvements', coaching.improvements),
    ...section('Energy tips', coaching.energyTips),
  ].join('\n');
}
