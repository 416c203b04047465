import { extractTasks, type Priority, priorityOf, statedMinutes } from './tasks.js';

/** Content that reads like a model's answer for the two schemas Spillway asks for. */

export interface PlanItem {
  start: string;
  end: string;
  task: string;
  priority: Priority;
}

const DAY_START_MINUTES = 9 * 60;
const DEFAULT_MINUTES = 60;
const PADDING_TASKS = ['Review priorities and email', 'Focused work block', 'Wrap up and plan tomorrow'];

/** 3–6 back-to-back items from 09:00, one per task found in the description. */
export function realisticPlan(userText: string): { summary: string; items: PlanItem[] } {
  const found = extractTasks(userText).slice(0, 6);
  const tasks = [...found, ...PADDING_TASKS.filter((t) => !found.includes(t))].slice(
    0,
    Math.max(3, found.length),
  );
  let minutes = DAY_START_MINUTES;
  const items = tasks.map((task, index) => {
    const length = roundToFive(clamp(statedMinutes(task) ?? DEFAULT_MINUTES, 15, 120));
    const item = {
      start: clock(minutes),
      end: clock(minutes + length),
      task,
      priority: priorityOf(task, index, tasks.length),
    };
    minutes += length;
    return item;
  });
  const first = items[0]!;
  const last = items[items.length - 1]!;
  return {
    summary: `${items.length} tasks from ${first.start} to ${last.end}, starting with ${lowerFirst(first.task)} and ending with ${lowerFirst(last.task)}.`,
    items,
  };
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
