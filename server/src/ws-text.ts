import type { RawData } from 'ws';

/** The text of a WebSocket message, whichever of its buffer shapes `ws` delivered. */
export function wsText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data instanceof ArrayBuffer ? new Uint8Array(data) : data).toString('utf8');
}
