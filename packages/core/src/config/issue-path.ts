import type { z } from 'zod';

const PLAIN_KEY = /^[A-Za-z0-9_-]+$/;

/** `providers[1].models.m-a.rpm`; keys with other characters (dots, slashes) are quoted to stay unambiguous. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (typeof segment === 'string' && PLAIN_KEY.test(segment))
      text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(String(segment))}]`;
  }
  return text === '' ? '(root)' : text;
}

/**
 * One line per problem, `path: reason`. zod's own messages never quote the input, so no value (and so no
 * secret) reaches the text. A union that failed in both branches reports the branch that got further.
 */
export function describeIssues(
  issues: readonly z.core.$ZodIssue[],
  prefix: readonly PropertyKey[] = [],
): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) lines.push(`${formatPath([...path, key])}: unknown field`);
    } else if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const deepest = issue.errors.find((branch) => branch.every((inner) => inner.path.length > 0));
      if (deepest) lines.push(...describeIssues(deepest, path));
      else lines.push(`${formatPath(path)}: ${issue.message}`);
    } else {
      lines.push(`${formatPath(path)}: ${issue.message}`);
    }
  }
  return lines;
}
