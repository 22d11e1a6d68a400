import { mintEnrollmentCode } from '@universal-logout/server';
import { DEMO_APPS } from './apps.js';

export interface DemoUser {
  id: string;
  email: string;
  name: string;
  role: 'owner' | 'admin' | 'member';
  apps: string[];
  enrollmentCode: string;
}

/** The demo workspace: an owner, an admin and two members, with fresh codes every run. */
export function demoWorkspace(appsPort: number) {
  const origin = (host: string) => `http://${host}.localhost:${appsPort}`;
  const users: DemoUser[] = [
    {
      id: 'u-olivia',
      email: 'olivia@demo.test',
      name: 'Olivia Owner',
      role: 'owner',
      apps: ['crm', 'wiki'],
      enrollmentCode: mintEnrollmentCode(),
    },
    {
      id: 'u-adam',
      email: 'adam@demo.test',
      name: 'Adam Admin',
      role: 'admin',
      apps: ['crm'],
      enrollmentCode: mintEnrollmentCode(),
    },
    {
      id: 'u-mia',
      email: 'mia@demo.test',
      name: 'Mia Member',
      role: 'member',
      apps: ['crm', 'wiki'],
      enrollmentCode: mintEnrollmentCode(),
    },
    {
      id: 'u-noah',
      email: 'noah@demo.test',
      name: 'Noah Member',
      role: 'member',
      apps: ['crm'],
      enrollmentCode: mintEnrollmentCode(),
    },
  ];
  // Persistent, as real app sessions are: they outlive a browser restart unless purged.
  const expirationDate = Math.floor(Date.now() / 1000) + 8 * 3600;
  const apps = DEMO_APPS.map((app) => ({
    id: app.host,
    name: app.title,
    origins: [origin(app.host)],
    session: {
      cookies: [
        {
          name: app.cookie,
          value: Object.keys(app.accounts)[0] ?? '',
          httpOnly: true,
          sameSite: 'lax' as const,
          path: '/',
          expirationDate,
        },
        // As real apps do: a Secure CSRF cookie and a partitioned (CHIPS) one for embedded use.
        {
          name: `${app.host}_csrf`,
          value: `csrf-${app.host}`,
          secure: true,
          sameSite: 'lax' as const,
          path: '/',
          expirationDate,
        },
        {
          name: `${app.host}_chips`,
          value: `chips-${app.host}`,
          secure: true,
          sameSite: 'none' as const,
          path: '/',
          partitionKey: { topLevelSite: `http://${app.host}.localhost` },
          expirationDate,
        },
      ],
      localStorage: { [`${app.host}:token`]: `demo-${app.host}-token` },
    },
  }));
  return { file: { workspaces: [{ id: 'demo', name: 'Demo Corp', apps, users }] }, users };
}
