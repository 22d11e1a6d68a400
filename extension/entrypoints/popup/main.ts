import '../../lib/zod-setup';
import { browser } from 'wxt/browser';
import { button, element, errorLine, input } from '../../lib/dom';
import { ADMIN_ROLES, type PopupRequest, type PopupState, type Role } from '@universal-logout/shared';

const root = document.querySelector<HTMLElement>('#app');

const send = (request: PopupRequest) => browser.runtime.sendMessage<PopupRequest, PopupState>(request);

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
    const serverUrl = input('server-url', { required: '', type: 'url', placeholder: 'https://ul.example.com' });
    const code = input('code', { required: '', autocomplete: 'off', placeholder: 'XXXX-XXXX-XXXX' });
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
  // Members never see the admin view; the server refuses its API to them all the same.
  const admin: Node[] = [];
  if (ADMIN_ROLES.includes(state.user.role as Role)) {
    const open = button('Admin');
    open.addEventListener('click', () => {
      void browser.tabs.create({ url: browser.runtime.getURL('/admin.html') }).then(() => window.close());
    });
    admin.push(open);
  }
  root.replaceChildren(
    element('h1', {}, state.workspace.name),
    element('p', { class: 'meta' }, `${state.user.name} · ${state.user.email}${state.connected ? ' · live' : ''}`),
    state.apps.length ? list : element('p', {}, 'No apps are assigned to you yet.'),
    element('div', { class: 'actions' }, logout, ...admin),
    ...errorLine(state.error),
  );
}

void send({ type: 'state' }).then(render);
