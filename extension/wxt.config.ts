import { defineConfig } from 'wxt';

// Permissions, each for one job (README, "Extension permissions"):
// - storage: the device token, cursor, applied revocations and the injection ledger;
// - cookies: inject app sessions and purge them (partitioned ones too);
// - browsingData: clear localStorage, IndexedDB, CacheStorage and service workers per origin;
// - tabs + scripting: open apps, write their localStorage, reload or close their tabs;
// - alarms: the 30 s safety-net poll; notifications: tell the user they were logged out;
// - contextualIdentities (Firefox): list every container, so that each one's cookies are purged.
// Host permissions for http and https: the managed apps' origins come from the server at run time
// and must be purged without a user gesture; Secure cookies are visible only with https access.
export default defineConfig({
  modules: ['@wxt-dev/webextension-polyfill'],
  manifest: ({ browser }) => ({
    name: 'Universal Logout',
    description: 'Opens your company’s shared app accounts and logs them out everywhere when access ends.',
    permissions: [
      'storage',
      'cookies',
      'browsingData',
      'tabs',
      'scripting',
      'alarms',
      'notifications',
      // Firefox: every container's cookie store, also those without an open tab.
      ...(browser === 'firefox' ? ['contextualIdentities'] : []),
    ],
    host_permissions: ['http://*/*', 'https://*/*'],
    browser_specific_settings: {
      gecko: {
        id: 'universal-logout@universal-logout.dev',
        strict_min_version: '115.0',
        // Firefox's install-time consent: the extension sends its device token (authentication) to
        // the organisation's own server, and nothing to anyone else.
        data_collection_permissions: { required: ['authenticationInfo'] },
      },
    },
  }),
});
