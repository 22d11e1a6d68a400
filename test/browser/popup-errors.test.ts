import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchWithExtension, type ExtensionBrowser } from '../support/browser.js';
import { startStack, type Stack } from '../support/stack.js';

describe('the popup explains a failed enrollment', () => {
  let stack: Stack;
  let browser: ExtensionBrowser;

  beforeAll(async () => {
    stack = await startStack();
    browser = await launchWithExtension();
  });
  afterAll(async () => {
    await browser.close();
    await stack.close();
  });

  async function enroll(serverUrl: string, code: string) {
    const popup = await browser.context.newPage();
    await popup.goto(`chrome-extension://${browser.extensionId}/popup.html`);
    await popup.getByLabel('Server URL').fill(serverUrl);
    await popup.getByLabel('Enrollment code').fill(code);
    await popup.getByRole('button', { name: 'Enroll' }).click();
    const alert = popup.getByRole('alert');
    await alert.waitFor();
    const text = await alert.textContent();
    // Still the enrollment form: nothing was stored.
    await popup.getByLabel('Enrollment code').waitFor();
    await popup.close();
    return text;
  }

  it('for a wrong code', async () => {
    expect(await enroll(stack.server.url, 'WRONG-CODE-0000')).toBe(
      'That enrollment code is wrong, expired or already used. Ask your admin for a new one.',
    );
  });

  it('for a server it cannot reach', async () => {
    const text = await enroll('http://127.0.0.1:9', stack.users[0]!.enrollmentCode);
    expect(text).toBe('Cannot reach the server at http://127.0.0.1:9. Check the Server URL.');
  });

  it('for a deactivated user', async () => {
    const noah = stack.users.find((user) => user.id === 'u-noah')!;
    const record = (await stack.store.getUser('demo', 'u-noah'))!;
    await stack.store.upsertUser({ ...record, status: 'deactivated' });
    expect(await enroll(stack.server.url, noah.enrollmentCode)).toBe('Your account is deactivated. Ask your admin.');
  });
});
