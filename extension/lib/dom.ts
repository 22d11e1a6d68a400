/// <reference lib="dom" />
/** Small DOM builders for the extension's pages: no framework, every control labelled. */

export function element(
  tag: string,
  attributes: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElement {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

export function input(id: string, attributes: Record<string, string> = {}): HTMLInputElement {
  const node = document.createElement('input');
  node.id = id;
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

export function button(label: string, className = ''): HTMLButtonElement {
  const node = document.createElement('button');
  node.type = 'button';
  node.textContent = label;
  if (className) node.className = className;
  return node;
}

/** A table labelled for assistive technology, with column headers and the given body. */
export function dataTable(label: string, columns: string[], body: HTMLElement): HTMLElement {
  return element(
    'table',
    { 'aria-label': label },
    element('thead', {}, element('tr', {}, ...columns.map((name) => element('th', { scope: 'col' }, name)))),
    body,
  );
}

export function errorLine(error: string | null): Node[] {
  return error ? [element('p', { class: 'error', role: 'alert' }, error)] : [];
}

/** "3 minutes ago"-style times would drift while shown; a short absolute local time does not. */
export function when(iso: string | null): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

export const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;
