import { z } from 'zod';

/** Popup -> background requests. The background answers every one with a `PopupState`. */
export const PopupRequest = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('state') }),
  z.strictObject({ type: z.literal('enroll'), serverUrl: z.url(), code: z.string().trim().min(1).max(128) }),
  z.strictObject({ type: z.literal('open-app'), appId: z.string().min(1) }),
  z.strictObject({ type: z.literal('logout-everywhere') }),
]);
export type PopupRequest = z.infer<typeof PopupRequest>;

export interface PopupApp {
  id: string;
  name: string;
  origins: string[];
}

export type PopupState =
  | { status: 'not-enrolled'; error: string | null }
  | {
      status: 'enrolled';
      user: { id: string; email: string; name: string; role: string };
      workspace: { id: string; name: string };
      apps: PopupApp[];
      connected: boolean;
      error: string | null;
    };

/** Admin page -> background: the admin read notifications (or acted): refresh the badge now. */
export const AdminPageMessage = z.strictObject({ type: z.literal('notifications-changed') });
export type AdminPageMessage = z.infer<typeof AdminPageMessage>;
