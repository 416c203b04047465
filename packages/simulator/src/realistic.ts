import { statedTimes } from './stated-times.js';
import { extractTasks, type Priority, priorityOf } from './tasks.js';

/** Content that reads like a model's answer for the two schemas Spillway asks for. */

export interface PlanItem {
  start: string;
  end: string;
  task: string;
  priority: Priority;
}

const DAY_START_MINUTES = 9 * 60;
const LAST_MINUTE = 24 * 60 - 1;
const DEFAULT_MINUTES = 60;
const MAX_TASKS = 8;
const PADDING_TASKS = ['Review priorities and email', 'Focused work block', 'Wrap up and plan tomorrow'];

interface Block {
  task: string;
  /** Its place in the description, which decides priority and the order of unfixed tasks. */
  mentioned: number;
  start: number;
  end: number;
}

/**
 * 3–8 items, one per task found in the description, each with its text as written. A task that
 * states its time ("gym at noon", "dentist 15:00", "deep work 9-11", "until noon") keeps it; the
 * others follow from 09:00 in the order they were mentioned, in the gaps around the fixed ones,
 * taking the duration they state ("for 30 min") or an hour.
 */
export function realisticPlan(userText: string): { summary: string; items: PlanItem[] } {
  const found = extractTasks(userText).slice(0, MAX_TASKS);
  const tasks = [...found, ...PADDING_TASKS.filter((t) => !found.includes(t))].slice(
    0,
    Math.max(3, found.length),
  );
  const fixed: Block[] = [];
  const flexible: Array<{ task: string; mentioned: number; minutes: number }> = [];
  tasks.forEach((task, mentioned) => {
    const stated = statedTimes(task);
    const minutes = roundToFive(clamp(stated.minutes ?? DEFAULT_MINUTES, 15, 180));
    if (stated.start !== undefined) {
      const start = Math.min(stated.start, LAST_MINUTE - 15);
      fixed.push({ task, mentioned, start, end: Math.min(stated.end ?? start + minutes, LAST_MINUTE) });
    } else if (stated.end !== undefined) {
      // "Deep work until noon": from the start of the day, or for its usual length before the end.
      const end = Math.min(stated.end, LAST_MINUTE);
      const start = end > DAY_START_MINUTES ? DAY_START_MINUTES : Math.max(0, end - minutes);
      fixed.push({ task, mentioned, start, end });
    } else {
      flexible.push({ task, mentioned, minutes });
    }
  });
  const blocks = [...fixed, ...fitAround(fixed, flexible)].sort(
    (a, b) => a.start - b.start || a.mentioned - b.mentioned,
  );
  const items = blocks.map((block) => ({
    start: clock(block.start),
    end: clock(block.end),
    task: block.task,
    priority: priorityOf(block.task, block.mentioned, tasks.length),
  }));
  const first = items[0]!;
  const last = items[items.length - 1]!;
  return {
    summary: `${items.length} tasks from ${first.start} to ${last.end}, starting with ${lowerFirst(first.task)} and ending with ${lowerFirst(last.task)}.`,
    items,
  };
}

/** Places the unfixed tasks from 09:00 in mention order, each in the first gap after the one before. */
function fitAround(
  fixed: readonly Block[],
  flexible: ReadonlyArray<{ task: string; mentioned: number; minutes: number }>,
): Block[] {
  const taken = [...fixed].sort((a, b) => a.start - b.start);
  const placed: Block[] = [];
  let cursor = DAY_START_MINUTES;
  for (const { task, mentioned, minutes } of flexible) {
    let start = cursor;
    for (const block of taken) {
      if (start < block.end && start + minutes > block.start) start = block.end;
    }
    start = Math.min(start, LAST_MINUTE - 15);
    const end = Math.min(start + minutes, LAST_MINUTE);
    placed.push({ task, mentioned, start, end });
    cursor = end;
  }
  return placed;
}

export interface Coaching {
  strengths: string[];
  issues: string[];
  improvements: string[];
  energyTips: string[];
}

/** Short remarks about the plan in the prompt (its JSON items when present, else the described tasks). */
export function realisticCoaching(userText: string): Coaching {
  const items = planItemsIn(userText);
  const tasks = items.length > 0 ? items.map((i) => i.task) : extractTasks(userText);
  if (tasks.length === 0) {
    return {
      strengths: ['The plan keeps the day simple.'],
      issues: ['No concrete tasks are named, so progress is hard to judge.'],
      improvements: ['Name two or three concrete tasks with start and end times.'],
      energyTips: ['Put the hardest work in the morning while your energy is highest.'],
    };
  }
  const first = tasks[0]!;
  const second = tasks[1] ?? first;
  const last = tasks[tasks.length - 1]!;
  const hardest = items.find((i) => i.priority === 'high')?.task ?? first;
  return {
    strengths: [
      `Starting with "${first}" puts important work early.`,
      `The day is split into ${tasks.length} clear blocks.`,
    ],
    issues:
      tasks.length > 1
        ? [`"${first}" runs straight into "${second}" with no break in between.`]
        : [`"${first}" fills the day alone, with no room for interruptions.`],
    improvements: [
      `Add a 10-minute break after "${first}".`,
      `Keep a buffer before "${last}" in case earlier tasks overrun.`,
    ],
    energyTips: [
      `Tackle "${hardest}" in the morning while your energy is highest.`,
      `Take a short walk before "${last}".`,
    ],
  };
}

/** Flat `{ "task": ..., "priority": ... }` objects from a plan embedded in the prompt as JSON. */
function planItemsIn(text: string): Array<{ task: string; priority?: string }> {
  const items: Array<{ task: string; priority?: string }> = [];
  for (const match of text.matchAll(/\{[^{}]*"task"[^{}]*\}/g)) {
    try {
      const parsed = JSON.parse(match[0]) as { task?: unknown; priority?: unknown };
      if (typeof parsed.task === 'string' && parsed.task.trim() !== '') {
        items.push({
          task: parsed.task.trim(),
          priority: typeof parsed.priority === 'string' ? parsed.priority : undefined,
        });
      }
    } catch {
      // Not JSON after all: the prose fallback covers it.
    }
  }
  return items;
}

function clock(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

function roundToFive(minutes: number): number {
  return Math.round(minutes / 5) * 5;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
