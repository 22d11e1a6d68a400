/** Small JSON client for the real-process suites. */
export async function call(
  baseUrl: string,
  path: string,
  init: { method?: string; token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${baseUrl}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers,
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

export async function enroll(baseUrl: string, code: string): Promise<{ token: string; deviceId: string }> {
  const { status, body } = await call(baseUrl, '/v1/device/enroll', { body: { code } });
  if (status !== 201) throw new Error(`enroll ${code}: ${status} ${JSON.stringify(body)}`);
  return body as { token: string; deviceId: string };
}

export const wsUrl = (baseUrl: string) => `${baseUrl.replace(/^http/, 'ws')}/v1/device/ws`;
