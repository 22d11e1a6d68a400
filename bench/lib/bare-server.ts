// The floor for HTTP throughput: Hono on @hono/node-server answering trivial routes, in a process
// of its own exactly like the real server. GET /bare is shaped like an empty device poll; the
// POST takes a GTR-shaped call (reads its JSON body) and answers 204 without checking anything.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const app = new Hono()
  .get('/bare', (c) => c.json({ events: [], cursor: '0-0' }))
  .post('/okta/:workspaceId/global-token-revocation', async (c) => {
    await c.req.json();
    return c.body(null, 204);
  });
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
  process.stdout.write(`${JSON.stringify({ msg: 'listening', port: info.port })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
