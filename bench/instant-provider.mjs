/**
 * A provider that answers at once, over real HTTP, in its own process: an OpenAI-compatible chat
 * completion with a fixed valid plan. Nothing else (no limits, no prompt reading), so that what a
 * benchmark measures is the client side. Prints its base URL on stdout.
 * Usage: node bench/instant-provider.mjs
 */
import { createServer } from 'node:http';

const plan = {
  summary: 'A focused day.',
  items: [
    { start: '09:00', end: '10:30', task: 'Write the report', priority: 'high' },
    { start: '10:30', end: '11:00', task: 'Email', priority: 'low' },
    { start: '12:00', end: '13:00', task: 'Gym', priority: 'medium' },
  ],
};
const body = JSON.stringify({
  id: 'chatcmpl-instant',
  object: 'chat.completion',
  created: 0,
  model: 'a',
  choices: [
    { index: 0, message: { role: 'assistant', content: JSON.stringify(plan) }, finish_reason: 'stop' },
  ],
  usage: { prompt_tokens: 100, completion_tokens: 60, total_tokens: 160 },
});

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${server.address().port}/v1` })}\n`);
});
process.once('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
