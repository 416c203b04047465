import { checkCallbackUrl } from '@spillway/core';
import { ApiError } from '../errors.js';

/** Refuses a callback URL the webhook sender would refuse (private, loopback, metadata...) up front. */
export async function assertCallbackUrl(url: string, allowPrivate: boolean): Promise<void> {
  const check = await checkCallbackUrl(url, { allowPrivate });
  if (!check.ok) {
    throw new ApiError('validation_failed', `callbackUrl: ${check.reason}`, [
      { field: 'callbackUrl', message: check.reason },
    ]);
  }
}
