/**
 * A reservation id as lua/includes/reservation.lua reads it: "<minute bucket>.<day bucket>.<tokens>",
 * then ".<lease>" when the call holds a slot of a capped instance (lua/includes/in-flight.lua).
 * Carrying the lease in the id means every way a call ends (settle, release, limit) gives its slot
 * back without its caller knowing about slots.
 */
export function reservationId(bucketsId: string, tokens: number, lease: string): string {
  // The script names the buckets (with 0 tokens); each call holds its own estimate.
  const id = bucketsId.replace(/\.\d+$/, `.${tokens}`);
  return lease === '' ? id : `${id}.${lease}`;
}

/** Whether a reservation holds a slot of a capped instance (its end frees one). */
export function holdsSlot(reservationId: string): boolean {
  return /^\d+\.\d+\.\d+\./.test(reservationId);
}
