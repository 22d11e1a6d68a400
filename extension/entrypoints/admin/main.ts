import '../../lib/zod-setup';
import { browser } from 'wxt/browser';
import {
  ADMIN_ROLES,
  canManage,
  RevocationTrigger,
  type AdminPageMessage,
  type AdminUser,
  type AdminUserDetail,
  type AuditEntry,
  type RevocationStatus,
  type Role,
} from '@universal-logout/shared';
import { adminApi, api, ApiError } from '../../lib/api';
import { button, dataTable, element, errorLine, input, plural, when } from '../../lib/dom';
import { createState, type Session } from '../../lib/state';

const top = document.querySelector<HTMLElement>('#top');
const view = document.querySelector<HTMLElement>('#view');
const state = createState(browser);

interface Admin {
  session: Session;
  id: string;
  role: Role;
}

const ROLE_LABEL: Record<Role, string> = {
  owner: 'Owner',
  super_admin: 'Super admin',
  admin: 'Admin',
  member: 'Member',
};

/** Known users' emails by id, so the audit log shows people rather than ids. */
const emails = new Map<string, string>();
const remember = (users: AdminUser[]) => {
  for (const user of users) emails.set(user.id, user.email);
};

function describe(error: unknown): string {
  if (error instanceof ApiError) {
    switch (error.code) {
      case 'ERR_NETWORK':
        return `${error.message}. Check your connection.`;
      case 'ERR_FORBIDDEN':
        return `Not allowed: ${error.message}.`;
      case 'ERR_UNAUTHENTICATED':
      case 'ERR_SESSION_REVOKED':
        return 'This browser is no longer signed in to Universal Logout. Enroll it again from the popup.';
      case 'ERR_CONFIRMATION_MISMATCH':
        return 'The email you typed is not this user’s email.';
      default:
        return error.message;
    }
  }
  return error instanceof Error ? error.message : String(error);
}

/** Why this admin may not act on that user, or null when they may. The server applies the same rule. */
function refusal(admin: Admin, target: AdminUser): string | null {
  if (canManage(admin.role, target.role)) return null;
  return `Only an owner or super admin can act on ${target.role === 'owner' ? 'an owner' : 'a super admin'}.`;
}

const tellBackground = () =>
  browser.runtime.sendMessage({ type: 'notifications-changed' } satisfies AdminPageMessage).catch(() => undefined);

// ---- enforcement, device by device ------------------------------------------------------------

const STATE_LABEL = { pending: 'Pending', delivered: 'Delivered', enforced: 'Enforced' } as const;

function removedText(device: RevocationStatus['devices'][number]): string {
  if (!device.removed) return '—';
  const { cookies, origins, tabs } = device.removed;
  const parts = [plural(cookies, 'cookie'), plural(origins, 'site'), plural(tabs, 'tab')];
  if (device.errors.length > 0) parts.push(plural(device.errors.length, 'error'));
  return parts.join(', ');
}

/**
 * The revocation's status per device, refreshed until every device has enforced it (fast at first,
 * then every few seconds for devices that are offline), and while the section is on the page.
 */
function enforcement(admin: Admin, revocationId: string, heading: string): HTMLElement {
  const summary = element('p', { role: 'status', class: 'summary' }, 'Waiting for the devices…');
  const body = element('tbody');
  const table = dataTable('Enforcement by device', ['Device', 'State', 'Delivered', 'Enforced', 'Removed'], body);
  const section = element(
    'section',
    { class: 'enforcement', 'aria-label': heading },
    element('h3', {}, heading),
    summary,
    table,
  );
  const started = Date.now();

  const render = (status: RevocationStatus) => {
    body.replaceChildren(
      ...status.devices.map((device) =>
        element(
          'tr',
          { 'data-state': device.state },
          element('th', { scope: 'row' }, device.name),
          element('td', {}, STATE_LABEL[device.state]),
          element('td', {}, when(device.deliveredAt)),
          element('td', {}, when(device.enforcedAt)),
          element('td', {}, removedText(device)),
        ),
      ),
    );
    const enforced = status.devices.filter((device) => device.state === 'enforced').length;
    const total = status.devices.length;
    if (total === 0) summary.textContent = 'No enrolled device: nothing to enforce. A future enrollment starts clean.';
    else if (enforced === total) summary.textContent = `Enforced on every device (${enforced} of ${total}).`;
    else
      summary.textContent = `Enforced on ${enforced} of ${plural(total, 'device')}; the others do it when they connect.`;
    return total === 0 || enforced === total;
  };

  const tick = async () => {
    if (!section.isConnected && Date.now() - started > 1_000) return;
    let done = false;
    try {
      done = render(await adminApi.revocation(admin.session, revocationId));
    } catch (error) {
      summary.textContent = `Could not read the status: ${describe(error)} Retrying…`;
    }
    if (!done) setTimeout(() => void tick(), Date.now() - started < 60_000 ? 400 : 3_000);
  };
  void tick();
  return section;
}

// ---- the confirmation dialog ------------------------------------------------------------------

const FOCUSABLE = 'button:not([disabled]), input:not([disabled]), textarea:not([disabled]), select, [href]';

/** Keeps Tab and Shift+Tab inside the dialog, whatever the browser does at its edges. */
function trapFocus(dialog: HTMLDialogElement) {
  dialog.addEventListener('keydown', (event) => {
    if (event.key !== 'Tab') return;
    const items = [...dialog.querySelectorAll<HTMLElement>(FOCUSABLE)];
    const first = items[0];
    const last = items.at(-1);
    if (!first || !last) return;
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  });
}

function explain(detail: AdminUserDetail): string {
  const active = detail.devices.filter((device) => device.state === 'active').length;
  const apps =
    detail.apps.length > 0
      ? new Intl.ListFormat('en', { type: 'conjunction' }).format(detail.apps.map((app) => app.name))
      : 'every managed app';
  const devices = active === 0 ? 'no enrolled browser right now' : plural(active, 'enrolled browser');
  return (
    `This logs ${detail.name} out of ${apps} on ${devices}, at once. Each browser deletes the apps’ ` +
    'cookies, site data and tokens, reloads their tabs and must be enrolled again; a browser that is ' +
    'offline does it as soon as it connects. It is recorded in the audit log and cannot be undone.'
  );
}

/** Resolves with the new revocation's id, or null when the admin cancelled. */
function confirmLogout(admin: Admin, detail: AdminUserDetail, opener: HTMLElement): Promise<string | null> {
  return new Promise((resolve) => {
    let result: string | null = null;
    const idempotencyKey = crypto.randomUUID();
    const reason = document.createElement('textarea');
    reason.id = 'reason';
    reason.required = true;
    reason.maxLength = 500;
    reason.rows = 2;
    reason.placeholder = 'Why, for the audit log (e.g. laptop stolen, offboarding)';
    const email = input('confirm-email', {
      autocomplete: 'off',
      spellcheck: 'false',
      'aria-describedby': 'confirm-hint',
    });
    const error = element('p', { class: 'error', role: 'alert' });
    const cancel = button('Cancel', 'secondary');
    const confirm = button('Confirm logout', 'danger');
    confirm.type = 'submit';
    const form = element(
      'form',
      { novalidate: '' },
      element('h2', { id: 'confirm-title' }, `Log ${detail.name} out everywhere?`),
      element('p', { id: 'confirm-what' }, explain(detail)),
      element('label', { for: 'reason' }, 'Reason'),
      reason,
      element('label', { for: 'confirm-email' }, 'Confirm email'),
      email,
      element('p', { id: 'confirm-hint', class: 'meta' }, `Type ${detail.email} to confirm.`),
      error,
      element('div', { class: 'actions' }, cancel, confirm),
    );
    const dialog = element(
      'dialog',
      { 'aria-labelledby': 'confirm-title', 'aria-describedby': 'confirm-what' },
      form,
    ) as HTMLDialogElement;
    trapFocus(dialog);
    // A message about what was typed before goes as soon as the admin changes it.
    form.addEventListener('input', () => {
      if (!confirm.disabled) error.textContent = '';
    });
    cancel.addEventListener('click', () => dialog.close());
    dialog.addEventListener('close', () => {
      dialog.remove();
      if (opener.isConnected) opener.focus();
      resolve(result);
    });
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (!reason.value.trim()) {
        error.textContent = 'Give a reason: it goes into the audit log.';
        reason.focus();
        return;
      }
      if (email.value.trim().toLowerCase() !== detail.email.toLowerCase()) {
        error.textContent = `The email does not match. Type ${detail.email} to confirm.`;
        email.focus();
        return;
      }
      confirm.disabled = true;
      confirm.setAttribute('aria-busy', 'true');
      error.textContent = '';
      adminApi
        .logout(admin.session, detail.id, { reason: reason.value.trim(), confirm: email.value.trim() }, idempotencyKey)
        .then(({ revocationId }) => {
          result = revocationId;
          dialog.close();
        })
        .catch((failure: unknown) => {
          error.textContent = describe(failure);
          confirm.disabled = false;
          confirm.removeAttribute('aria-busy');
          confirm.focus();
        });
    });
    document.body.append(dialog);
    dialog.showModal();
    reason.focus();
  });
}

// ---- users: search, detail, logout, enrollment codes -------------------------------------------

function userDetail(admin: Admin, detail: AdminUserDetail, panel: HTMLElement) {
  const refused = refusal(admin, detail);
  const devices =
    detail.devices.length === 0
      ? element('p', {}, 'No enrolled devices.')
      : dataTable(
          'Devices',
          ['Name', 'Last seen', 'State'],
          element(
            'tbody',
            {},
            ...detail.devices.map((device) =>
              element(
                'tr',
                {},
                element('th', { scope: 'row' }, device.name),
                element('td', {}, when(device.lastSeenAt)),
                element('td', {}, device.state === 'active' ? 'Signed in' : 'Logged out'),
              ),
            ),
          ),
        );
  const apps =
    detail.apps.length === 0
      ? element('p', {}, 'No apps assigned.')
      : element(
          'ul',
          { 'aria-label': 'Apps', class: 'apps' },
          ...detail.apps.map((app) => element('li', {}, app.name)),
        );
  const last = detail.lastRevocation;
  const issue = button('Issue enrollment code', 'secondary');
  const codeOut = element('div', { role: 'status', class: 'code-out' });
  const blocked = refused ?? (detail.status === 'active' ? null : 'This user is deactivated.');
  if (blocked) {
    issue.disabled = true;
    issue.setAttribute('aria-describedby', 'issue-why');
  }
  issue.addEventListener('click', () => {
    issue.disabled = true;
    adminApi
      .enrollmentCode(admin.session, detail.id)
      .then(({ code, expiresAt }) => {
        codeOut.replaceChildren(
          element('p', {}, `Enrollment code for ${detail.name}: `, element('code', { class: 'code' }, code)),
          element('p', { class: 'meta' }, `Single use, valid until ${when(expiresAt)}. It is shown only once.`),
        );
      })
      .catch((error: unknown) => codeOut.replaceChildren(...errorLine(describe(error))))
      .finally(() => (issue.disabled = false));
  });
  panel.replaceChildren(
    element('h2', { id: 'detail-title' }, detail.name),
    element(
      'p',
      { class: 'meta' },
      `${detail.email} · ${ROLE_LABEL[detail.role]}${detail.status === 'active' ? '' : ' · deactivated'}`,
    ),
    element('h3', {}, 'Devices'),
    devices,
    element('h3', {}, 'Apps'),
    apps,
    element(
      'p',
      { class: 'meta' },
      last ? `Last logout: ${when(last.createdAt)} (${last.trigger}): ${last.reason}` : 'Never logged out everywhere.',
    ),
    element('div', { class: 'actions' }, issue),
    ...(blocked ? [element('p', { id: 'issue-why', class: 'why' }, blocked)] : []),
    codeOut,
  );
  panel.hidden = false;
}

function usersView(admin: Admin): HTMLElement {
  const search = input('search', { type: 'search', autocomplete: 'off', placeholder: 'Name, email or username' });
  const status = element('p', { role: 'status', class: 'meta' });
  const results = element('ul', { 'aria-label': 'Users', class: 'users' });
  const panel = element('section', { class: 'detail', 'aria-labelledby': 'detail-title' });
  panel.hidden = true;
  let sequence = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  async function open(user: AdminUser): Promise<AdminUserDetail | null> {
    try {
      const detail = await adminApi.user(admin.session, user.id);
      userDetail(admin, detail, panel);
      return detail;
    } catch (error) {
      panel.hidden = false;
      panel.replaceChildren(...errorLine(describe(error)));
      return null;
    }
  }

  function row(user: AdminUser): HTMLElement {
    const refused = refusal(admin, user);
    const details = button('Details', 'secondary');
    const logout = button('Log out everywhere', 'danger');
    details.setAttribute('aria-describedby', `user-${user.id}`);
    logout.setAttribute('aria-describedby', refused ? `user-${user.id} why-${user.id}` : `user-${user.id}`);
    if (refused) logout.disabled = true;
    details.addEventListener('click', () => void open(user));
    logout.addEventListener('click', () => {
      void (async () => {
        // Busy, not disabled: a disabled button would drop the keyboard user's focus.
        if (logout.getAttribute('aria-busy') === 'true') return;
        logout.setAttribute('aria-busy', 'true');
        const detail = await open(user);
        logout.removeAttribute('aria-busy');
        if (!detail) return;
        const revocationId = await confirmLogout(admin, detail, logout);
        if (!revocationId) return;
        const fresh = await open(user);
        if (fresh) panel.append(enforcement(admin, revocationId, `Logout of ${fresh.name}`));
        void tellBackground();
      })();
    });
    return element(
      'li',
      {},
      element(
        'div',
        { id: `user-${user.id}` },
        element('strong', {}, user.name),
        element(
          'span',
          { class: 'meta' },
          ` ${user.email} · ${ROLE_LABEL[user.role]}${user.status === 'active' ? '' : ' · deactivated'}`,
        ),
      ),
      element('div', { class: 'actions' }, details, logout),
      ...(refused ? [element('p', { id: `why-${user.id}`, class: 'why' }, refused)] : []),
    );
  }

  async function run() {
    const mine = ++sequence;
    status.textContent = 'Searching…';
    try {
      const { users } = await adminApi.users(admin.session, search.value.trim());
      if (mine !== sequence) return;
      remember(users);
      results.replaceChildren(...users.map(row));
      status.textContent = users.length === 0 ? 'No user matches.' : plural(users.length, 'user');
    } catch (error) {
      if (mine === sequence) status.textContent = describe(error);
    }
  }
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => void run(), 120);
  });
  void run();
  queueMicrotask(() => search.focus());
  return element(
    'section',
    { 'aria-labelledby': 'users-title', class: 'users-view' },
    element('h2', { id: 'users-title' }, 'Users'),
    element('label', { for: 'search' }, 'Search users'),
    search,
    status,
    element('div', { class: 'split' }, results, panel),
  );
}

// ---- notifications -------------------------------------------------------------------------------

function notificationsView(admin: Admin, setUnread: (count: number) => void): HTMLElement {
  const list = element('ul', { 'aria-label': 'Notifications', class: 'notifications' });
  const status = element('p', { role: 'status', class: 'meta' }, 'Loading…');
  void (async () => {
    try {
      const { notifications } = await adminApi.notifications(admin.session);
      list.replaceChildren(
        ...notifications.map((notification) => {
          const show = button('Show enforcement', 'secondary');
          const item = element(
            'li',
            { class: notification.read ? '' : 'unread' },
            element(
              'div',
              {},
              ...(notification.read ? [] : [element('span', { class: 'tag' }, 'New'), ' ']),
              element('span', {}, notification.message),
              element('p', { class: 'meta' }, `${when(notification.at)} · trigger: ${notification.trigger}`),
            ),
            show,
          );
          show.addEventListener('click', () => {
            show.remove();
            item.append(enforcement(admin, notification.revocationId, 'Enforcement'));
          });
          return item;
        }),
      );
      status.textContent =
        notifications.length === 0 ? 'No notifications yet.' : plural(notifications.length, 'notification');
      const newest = notifications[0];
      // Seen now: marked read on the server, for this admin only; the badge follows.
      if (newest && !newest.read) {
        await adminApi.markRead(admin.session, newest.id);
        setUnread(0);
        await tellBackground();
      }
    } catch (error) {
      status.textContent = describe(error);
    }
  })();
  return element(
    'section',
    { 'aria-labelledby': 'notifications-title' },
    element('h2', { id: 'notifications-title' }, 'Notifications'),
    status,
    list,
  );
}

// ---- audit log -------------------------------------------------------------------------------------

const ACTION_LABEL: Record<string, string> = {
  'user.logout': 'Logged out everywhere',
  'revocation.enforced': 'Logout enforced on a device',
  'device.enrolled': 'Enrolled a browser',
  'enrollment-code.issued': 'Issued an enrollment code',
  'user.provisioned': 'Provisioned',
  'user.deactivated': 'Deactivated',
  'user.reactivated': 'Reactivated',
};

function actionText(entry: AuditEntry): string {
  const label = ACTION_LABEL[entry.action] ?? entry.action;
  const reason = entry.detail.reason;
  return typeof reason === 'string' && reason ? `${label}: ${reason}` : label;
}

function outcomeText(entry: AuditEntry): string {
  const detail = entry.detail;
  const count = (key: string) => (typeof detail[key] === 'number' ? detail[key] : 0);
  switch (entry.action) {
    case 'user.logout':
      return `${plural(count('devices'), 'device')} revoked, ${plural(count('origins'), 'site')} to purge`;
    case 'revocation.enforced': {
      const removed = (detail.removed ?? {}) as Record<string, unknown>;
      const n = (key: string) => (typeof removed[key] === 'number' ? removed[key] : 0);
      const errors = count('errors');
      return (
        `Removed ${plural(n('cookies'), 'cookie')}, ${plural(n('origins'), 'site')}, ${plural(n('tabs'), 'tab')}` +
        (errors ? `; ${plural(errors, 'error')}` : '')
      );
    }
    case 'enrollment-code.issued':
      return typeof detail.expiresAt === 'string' ? `Valid until ${when(detail.expiresAt)}` : '';
    default:
      return '';
  }
}

const who = (id: string | null) => (id ? (emails.get(id) ?? id) : '—');

function auditView(admin: Admin): HTMLElement {
  const userField = input('audit-user', { type: 'text', autocomplete: 'off', placeholder: 'Email' });
  const trigger = document.createElement('select');
  trigger.id = 'audit-trigger';
  trigger.append(
    element('option', { value: '' }, 'Any trigger'),
    ...RevocationTrigger.options.map((name) => element('option', { value: name }, name)),
  );
  const apply = button('Filter');
  apply.type = 'submit';
  const form = element(
    'form',
    { 'aria-label': 'Filter the audit log', class: 'filters' },
    element('div', {}, element('label', { for: 'audit-user' }, 'User'), userField),
    element('div', {}, element('label', { for: 'audit-trigger' }, 'Trigger'), trigger),
    apply,
  );
  const status = element('p', { role: 'status', class: 'meta' });
  const body = element('tbody');
  const table = dataTable('Audit log', ['When', 'Who', 'What', 'User', 'Trigger', 'Outcome'], body);
  const newer = button('Newer entries', 'secondary');
  const older = button('Older entries', 'secondary');
  // Cursors of the pages before this one, so "Newer entries" goes back exactly.
  const pages: (string | null)[] = [];
  let current: string | null = null;
  let next: string | null = null;
  let filter: { userId: string | null; trigger: RevocationTrigger | null } = { userId: null, trigger: null };

  async function load(after: string | null) {
    status.textContent = 'Loading…';
    try {
      const page = await adminApi.audit(admin.session, { after, ...filter, limit: 25 });
      current = after;
      next = page.cursor;
      body.replaceChildren(
        ...page.entries.map((entry) =>
          element(
            'tr',
            {},
            element('td', {}, when(entry.at)),
            element('td', {}, who(entry.actor)),
            element('td', {}, actionText(entry)),
            element('td', {}, who(entry.userId)),
            element('td', {}, entry.trigger ?? '—'),
            element('td', {}, outcomeText(entry)),
          ),
        ),
      );
      status.textContent =
        page.entries.length === 0
          ? 'No entries.'
          : `Page ${pages.length + 1}: ${plural(page.entries.length, 'entry', 'entries')}`;
      older.disabled = next === null;
      newer.disabled = pages.length === 0;
    } catch (error) {
      status.textContent = describe(error);
    }
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void (async () => {
      const wanted = userField.value.trim().toLowerCase();
      let userId: string | null = null;
      if (wanted) {
        try {
          const { users } = await adminApi.users(admin.session, wanted, 200);
          remember(users);
          userId = users.find((user) => user.email.toLowerCase() === wanted || user.id === wanted)?.id ?? null;
        } catch (error) {
          status.textContent = describe(error);
          return;
        }
        if (!userId) {
          status.textContent = `No user has the email ${wanted}.`;
          return;
        }
      }
      filter = { userId, trigger: trigger.value ? RevocationTrigger.parse(trigger.value) : null };
      pages.length = 0;
      await load(null);
    })();
  });
  older.addEventListener('click', () => {
    if (next === null) return;
    pages.push(current);
    void load(next);
  });
  newer.addEventListener('click', () => {
    if (pages.length === 0) return;
    void load(pages.pop() ?? null);
  });
  // Names for the ids in the log; the log shows ids until they arrive.
  void adminApi
    .users(admin.session, '', 200)
    .then(({ users }) => remember(users))
    .catch(() => undefined)
    .finally(() => void load(null));
  return element(
    'section',
    { 'aria-labelledby': 'audit-title' },
    element('h2', { id: 'audit-title' }, 'Audit log'),
    form,
    status,
    table,
    element('div', { class: 'actions' }, newer, older),
  );
}

// ---- the page ------------------------------------------------------------------------------------

const SECTIONS = [
  { hash: '#users', label: 'Users' },
  { hash: '#notifications', label: 'Notifications' },
  { hash: '#audit', label: 'Audit log' },
] as const;

function start(admin: Admin, workspace: string) {
  const unreadBadge = element('span', { class: 'count' });
  const setUnread = (count: number) => {
    unreadBadge.textContent = count > 0 ? ` (${count} new)` : '';
  };
  const links = SECTIONS.map(({ hash, label }) =>
    element('a', { href: hash }, label, ...(hash === '#notifications' ? [unreadBadge] : [])),
  );
  top?.replaceChildren(
    element('h1', {}, `${workspace} · Admin`),
    element('p', { class: 'meta' }, `Signed in as ${admin.session.user.email} (${ROLE_LABEL[admin.role]})`),
    element('nav', { 'aria-label': 'Admin sections' }, ...links),
  );
  const route = () => {
    const hash = SECTIONS.some((section) => section.hash === location.hash) ? location.hash : '#users';
    links.forEach((link) => {
      if (link.getAttribute('href') === hash) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    });
    const section =
      hash === '#notifications'
        ? notificationsView(admin, setUnread)
        : hash === '#audit'
          ? auditView(admin)
          : usersView(admin);
    view?.replaceChildren(section);
  };
  window.addEventListener('hashchange', route);
  route();
  void adminApi
    .notifications(admin.session)
    .then(({ unread }) => {
      if (location.hash !== '#notifications') setUnread(unread);
    })
    .catch(() => undefined);
}

async function main() {
  const session = await state.session();
  if (!session) {
    view?.replaceChildren(element('p', {}, 'This browser is not enrolled. Enroll it from the Universal Logout popup.'));
    return;
  }
  try {
    const me = await api.me(session);
    await state.setRole(me.role);
    if (!ADMIN_ROLES.includes(me.role)) {
      view?.replaceChildren(
        element('p', { role: 'alert' }, 'The admin view is for workspace owners, super admins and admins.'),
      );
      return;
    }
    start(
      { session: { ...session, user: { ...session.user, role: me.role } }, id: me.user.id, role: me.role },
      me.workspace.name,
    );
  } catch (error) {
    view?.replaceChildren(...errorLine(describe(error)));
  }
}

void main();
