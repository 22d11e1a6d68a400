import { z } from 'zod';

// Extension pages and the worker run under MV3's CSP, which forbids eval: zod must not even probe
// for `new Function` (the probe alone files a CSP violation report). Imported first by every entrypoint.
z.config({ jitless: true });
