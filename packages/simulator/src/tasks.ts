/** Pulls the to-do items out of a free-text day description, the way a model would read it. */

const FILLER =
  /^(?:and|then|also|after that|afterwards|finally|first(?:ly)?|next|later|plus|i\s+(?:need|have|want|must|should|would like|'d like)\s+to|i(?:'ll| will| must| should| need| want)|need to|have to|want to|must|should|please|to)\s+/i;
const INSTRUCTION =
  /^(?:please\s+)?(?:create|make|build|generate|write|plan)\s+(?:a|my|me a)\s+(?:day|daily|plan|schedule)\b/i;
const TASK_LIMIT = 120;
/** A sentence ends at . ! ? followed by a space (so "9.30" and "v1.2" stay whole), or at ; or a new line. */
const SEPARATORS = /[;\n]+|[.!?]+(?=\s|$)|,|\s+(?:and then|and|then|after that|also|plus)\s+/i;
/** Quotes and list markers ("- ", "• ", "2. ", "3) ") before a task; never the digits of its text ("1:1"). */
const LEADING_MARKS = /^(?:["'`\s]+|[-*•]+\s*|\d+[.)]\s+)+/;

export function extractTasks(text: string): string[] {
  const seen = new Set<string>();
  const tasks: string[] = [];
  for (const fragment of descriptionOf(text).split(SEPARATORS).map(cleanFragment)) {
    if (fragment.length < 3 || INSTRUCTION.test(fragment) || seen.has(fragment.toLowerCase())) continue;
    seen.add(fragment.toLowerCase());
    tasks.push(fragment);
  }
  return tasks;
}

/** When the prompt labels the description, only that part describes the day. */
function descriptionOf(text: string): string {
  const labelled = /description\s*:\s*([\s\S]+)/i.exec(text);
  const body = labelled?.[1] ?? text;
  const quoted = /"""([\s\S]+?)"""|<description>([\s\S]+?)<\/description>/i.exec(body);
  return quoted?.[1] ?? quoted?.[2] ?? body;
}

function cleanFragment(raw: string): string {
  let fragment = raw
    .trim()
    .replace(LEADING_MARKS, '')
    .replace(/["'`\s]+$/, '');
  for (let previous = ''; previous !== fragment; ) {
    previous = fragment;
    fragment = fragment.replace(FILLER, '').trim();
  }
  if (fragment.length > TASK_LIMIT) fragment = `${fragment.slice(0, TASK_LIMIT - 1).trimEnd()}…`;
  return fragment.charAt(0).toUpperCase() + fragment.slice(1);
}

export type Priority = 'high' | 'medium' | 'low';

const HIGH =
  /\b(?:urgent|asap|deadline|important|critical|due|report|exam|client|submit|finish|presentation|boss)\b/i;
const LOW = /\b(?:maybe|if time|optional|relax|tidy|browse|nap|walk|netflix|leisure)\b/i;

/** Words in the task decide first; otherwise the order it was mentioned in. */
export function priorityOf(task: string, index: number, count: number): Priority {
  if (HIGH.test(task)) return 'high';
  if (LOW.test(task)) return 'low';
  if (index === 0) return 'high';
  return index === count - 1 ? 'low' : 'medium';
}
