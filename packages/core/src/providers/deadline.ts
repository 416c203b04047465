/**
 * One signal that fires on the caller's abort or when the whole call (headers and body) overruns
 * `timeoutMs`, remembering which of the two it was: a timeout is the provider's slowness, an abort is
 * our own decision, and the pool treats them differently.
 */
export interface Deadline {
  signal: AbortSignal;
  timedOut(): boolean;
  dispose(): void;
}

export function startDeadline(outer: AbortSignal, timeoutMs: number): Deadline {
  const controller = new AbortController();
  let timedOut = false;
  const onAbort = (): void => controller.abort(outer.reason);
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`No complete answer within ${timeoutMs} ms`));
  }, timeoutMs);
  if (outer.aborted) onAbort();
  else outer.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    timedOut: () => timedOut,
    dispose: () => {
      clearTimeout(timer);
      outer.removeEventListener('abort', onAbort);
    },
  };
}
