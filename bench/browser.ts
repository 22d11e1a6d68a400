/// <reference types="chrome" />
// Browser benchmark: from the admin's logout call to every CRM cookie gone in Chromium and the
// device's receipt stored, with the production build of the extension, over the live channel.
// Each round runs in a browser of its own (a fresh profile, enrolled anew): rounds are independent.
import { hashEnrollmentCode } from '@universal-logout/server';
import { launchWithExtension, PRODUCTION_EXTENSION_DIR } from '../test/support/browser.js';
import { call, enroll } from '../test/support/http.js';
import { enrollAndOpenCrm, eventually, startStack } from '../test/support/stack.js';
import { ratio, summarize } from './lib/stats.js';

const log = (message: string) => process.stdout.write(`[bench] ${message}\n`);

export async function runBrowserBench(options: { rounds: number }) {
  const stack = await startStack();
  try {
    const adam = stack.users.find((user) => user.id === 'u-adam')!;
    const mia = stack.users.find((user) => user.id === 'u-mia')!;
    const admin = await enroll(stack.server.url, adam.enrollmentCode);
    const samples: number[] = [];
    const checks: number[] = [];
    for (let round = 0; round < options.rounds; round++) {
      const browser = await launchWithExtension(undefined, PRODUCTION_EXTENSION_DIR);
      try {
        const crmCookies = () =>
          browser.worker.evaluate(
            async () =>
              (await chrome.cookies.getAll({ partitionKey: {} })).filter((c) => c.domain.endsWith('crm.localhost'))
                .length,
          );
        const code = `BENCH-${round}-${Date.now()}`;
        await stack.store.putEnrollmentCode({
          codeHash: hashEnrollmentCode(code),
          workspaceId: 'demo',
          userId: 'u-mia',
          expiresAt: Date.now() + 60_000,
        });
        await enrollAndOpenCrm(browser, stack, { ...mia, enrollmentCode: code });
        if ((await crmCookies()) !== 3) throw new Error('CRM was not signed in');
        await eventually(
          () => Promise.resolve(stack.server.hub.connections > 0 ? true : undefined),
          'the live channel',
        );

        const started = performance.now();
        const response = await call(stack.server.url, '/v1/admin/users/u-mia/logout', {
          token: admin.token,
          body: { reason: `bench round ${round}`, confirm: mia.email },
        });
        if (response.status !== 202) throw new Error(`logout answered ${response.status}`);
        const revocationId = response.body.revocationId as string;
        for (;;) {
          const checkStarted = performance.now();
          const gone = (await crmCookies()) === 0;
          const [delivery] = gone ? await stack.store.listDeliveries('demo', revocationId) : [];
          checks.push(performance.now() - checkStarted);
          if (gone && delivery?.enforcedAt) break;
          if (performance.now() - started > 10_000) throw new Error(`round ${round}: not purged within 10 s`);
        }
        samples.push(performance.now() - started);
        log(`browser round ${round + 1}/${options.rounds}: ${samples.at(-1)!.toFixed(1)} ms`);
      } finally {
        await browser.close();
      }
      await eventually(
        () => Promise.resolve(stack.server.hub.connections === 0 ? true : undefined),
        'the last browser to disconnect',
      );
    }
    const latency = summarize(samples);
    const check = summarize(checks);
    return {
      rounds: options.rounds,
      latencyMs: latency,
      checkMs: check,
      p50RatioToCheck: ratio(latency.p50, check.p50),
    };
  } finally {
    await stack.close();
  }
}
