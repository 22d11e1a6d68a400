import { browser } from 'wxt/browser';
import type { PopupRequest, PopupState } from '@universal-logout/shared';

const root = document.querySelector<HTMLElement>('#app');

const send = (request: PopupRequest) => browser.runtime.sendMessage<PopupRequest, PopupState>(request);

function element(tag: string, attributes: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElement {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

function input(id: string, attributes: Record<string, string>): HTMLInputElement {
  const node = document.createElement('input');
  node.id = id;
  node.required = true;
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

function button(label: string, className = ''): HTMLButtonElement {
  const node = document.createElement('button');
  node.type = 'button';
  node.textContent = label;
  if (className) node.className = className;
  return node;
}

function errorLine(error: string | null): Node[] {
  return error ? [element('p', { class: 'error', role: 'alert' }, error)] : [];
}

async function run(request: PopupRequest, button?: HTMLButtonElement) {
  if (button) {
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
  }
  render(await send(request));
}

function render(state: PopupState) {
  if (!root) return;
  if (state.status === 'not-enrolled') {
    const serverUrl = input('server-url', { type: 'url', placeholder: 'https://ul.example.com' });
    const code = input('code', { autocomplete: 'off', placeholder: 'XXXX-XXXX-XXXX' });
    const enroll = button('Enroll');
    enroll.type = 'submit';
    const form = element(
      'form',
      { 'aria-label': 'Enroll this browser' },
      element('h1', {}, 'Universal Logout'),
      element('label', { for: 'server-url' }, 'Server URL'),
      serverUrl,
      element('label', { for: 'code' }, 'Enrollment code'),
      code,
      enroll,
      ...errorLine(state.error),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void run({ type: 'enroll', serverUrl: serverUrl.value.trim(), code: code.value.trim() }, enroll);
    });
    root.replaceChildren(form);
    serverUrl.focus();
    return;
  }
  const list = element('ul', { 'aria-label': 'Your apps' });
  for (const app of state.apps) {
    const open = button('Open');
    open.setAttribute('aria-describedby', `app-${app.id}`);
    open.addEventListener('click', () => void run({ type: 'open-app', appId: app.id }, open));
    list.append(element('li', {}, element('span', { id: `app-${app.id}` }, app.name), open));
  }
  const logout = button('Log out everywhere', 'secondary');
  logout.addEventListener('click', () => void run({ type: 'logout-everywhere' }, logout));
  root.replaceChildren(
    element('h1', {}, state.workspace.name),
    element('p', { class: 'meta' }, `${state.user.name} · ${state.user.email}${state.connected ? ' · live' : ''}`),
    state.apps.length ? list : element('p', {}, 'No apps are assigned to you yet.'),
    logout,
    ...errorLine(state.error),
  );
}

void send({ type: 'state' }).then(render);
