import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Browser suites load the built Chrome MV3 extension: build it fresh once, before them. */
export default function setup(): void {
  execFileSync('pnpm', ['exec', 'wxt', 'build', '--mode', 'test'], {
    cwd: fileURLToPath(new URL('../../extension/', import.meta.url)),
    stdio: 'inherit',
  });
}
