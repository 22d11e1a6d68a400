import { defineProject } from 'vitest/config';
import { WxtVitest } from 'wxt/testing';

export default defineProject({
  plugins: [WxtVitest()],
  test: { name: 'extension', include: ['lib/**/*.test.ts'], environment: 'node' },
});
