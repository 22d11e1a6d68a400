import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Real-process suites run the bundle `pnpm start` runs: build it once, fresh, before them. */
export default function setup(): void {
  execFileSync(process.execPath, ['build.mjs'], {
    cwd: fileURLToPath(new URL('../../server/', import.meta.url)),
    stdio: 'inherit',
  });
}
