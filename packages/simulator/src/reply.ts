/** An answer the server writes as is: decided first, written once. */
export interface SimReply {
  status: number;
  headers: Record<string, string>;
  contentType: string;
  body: string;
}

export function jsonReply(status: number, body: unknown, headers: Record<string, string> = {}): SimReply {
  return { status, headers, contentType: 'application/json', body: JSON.stringify(body) };
}

export function textReply(status: number, text: string, headers: Record<string, string> = {}): SimReply {
  return { status, headers, contentType: 'text/plain; charset=utf-8', body: text };
}
