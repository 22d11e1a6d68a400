/**
 * The benchmarks' workspace: an owner (code `BENCH-OWNER`) and `users` members `u-<i>`
 * (`u<i>@bench.test`, code `BENCH-<i>`), all assigned one app.
 */
export function benchWorkspace(users: number) {
  return {
    workspaces: [
      {
        id: 'bench',
        name: 'Bench',
        apps: [
          { id: 'crm', name: 'CRM', origins: ['https://crm.bench.test'], session: { cookies: [], localStorage: {} } },
        ],
        users: [
          { id: 'u-owner', email: 'owner@bench.test', name: 'Owner', role: 'owner', enrollmentCode: 'BENCH-OWNER' },
          ...Array.from({ length: users }, (_, i) => ({
            id: `u-${i}`,
            email: `u${i}@bench.test`,
            name: `User ${i}`,
            apps: ['crm'],
            enrollmentCode: `BENCH-${i}`,
          })),
        ],
      },
    ],
  };
}
