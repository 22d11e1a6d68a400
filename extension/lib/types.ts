import type { browser as wxtBrowser } from 'wxt/browser';

/** The extension APIs, passed to every module so tests can hand in a fake. */
export type Browser = typeof wxtBrowser;
