import type { ReportView } from '../view.js';
import type { PageFormat } from './format.js';

/**
 * The trace timelines: the server renders each trace's summary line; the rows are built from the
 * JSON when it opens (and at load for the ones open by default), by DOM calls and textContent
 * only. A filter box hides traces that do not match. Runs in the page: self-contained.
 */
export function pageTraces(fmt: PageFormat, view: ReportView): { open(row: number): void } {
  const PAGE = 300;
  const COLUMNS = ['Time (UTC)', '+', 'Severity', 'Kind', 'Measure', 'Host', 'Event', 'Message', 'Source'];

  const all = Array.from(document.querySelectorAll<HTMLElement>('div.trace'));
  const str = (k: number) => (k >= 0 ? (view.strings[k] ?? '') : '');

  function rangeOf(el: HTMLElement): { from: number; to: number } {
    const key = el.dataset.trace;
    return key === 'untraced' ? view.untraced : (view.traces[Number(key)] ?? { from: 0, to: 0 });
  }

  function cell(tr: HTMLTableRowElement, text: string, className?: string): void {
    const td = tr.insertCell();
    td.textContent = text;
    if (className) td.className = className;
  }

  function rowElement(i: number, origin: number | null): HTMLTableRowElement {
    const r = view.findings[i]!;
    const tr = document.createElement('tr');
    tr.dataset.row = String(i);
    const t = r[0];
    cell(tr, fmt.time(t), 'time');
    cell(tr, t === null || origin === null ? '' : `+${fmt.span(t - origin)}`, 'num muted');
    cell(tr, r[1] === 1 ? 'critical' : 'warning', `sev ${r[1] === 1 ? 'critical' : 'warning'}`);
    cell(tr, view.kinds[r[2]]?.name ?? '', 'mono nowrap');
    cell(tr, r[8], 'num');
    cell(tr, str(r[11]), 'nowrap');
    cell(tr, str(r[9]), 'mono');
    cell(tr, str(r[10]), 'msg');
    cell(tr, `${str(r[12])}:${r[13]}`, 'mono msg');
    return tr;
  }

  /** Renders the timeline up to row `until` (at least one page); returns the row's element when asked. */
  function fill(el: HTMLElement, until = -1): HTMLTableRowElement | undefined {
    const box = el.querySelector<HTMLElement>('.timeline');
    if (!box) return undefined;
    const { from, to } = rangeOf(el);
    let body = box.querySelector('tbody');
    if (!body) {
      const table = document.createElement('table');
      const head = table.createTHead().insertRow();
      for (const name of COLUMNS) {
        const th = document.createElement('th');
        th.textContent = name;
        head.append(th);
      }
      body = table.createTBody();
      box.replaceChildren(table);
    }
    let first: number | null = null;
    for (let i = from; i < to && first === null; i++) first = view.findings[i]![0];
    const shown = body.rows.length;
    const end = Math.min(to, Math.max(from + shown + (shown === 0 ? PAGE : 0), until + 1));
    for (let i = from + shown; i < end; i++) body.append(rowElement(i, first));
    box.querySelector('button.more')?.remove();
    const left = to - from - body.rows.length;
    if (left > 0) {
      const more = document.createElement('button');
      more.className = 'more';
      more.textContent = `Show ${fmt.count(Math.min(PAGE, left))} more of ${fmt.count(left)}`;
      more.addEventListener('click', () => fill(el, from + body.rows.length + PAGE - 1));
      box.append(more);
    }
    return until >= from && until < to ? (body.rows[until - from] ?? undefined) : undefined;
  }

  function setOpen(el: HTMLElement, open: boolean): void {
    el.classList.toggle('open', open);
    el.querySelector('.toggle')?.setAttribute('aria-expanded', String(open));
    if (open) fill(el);
  }

  for (const el of all) if (el.classList.contains('open')) fill(el);
  // One listener for every summary line; a click that ends a text selection (a trace id being copied) does not toggle.
  document.querySelector('#traces')?.addEventListener('click', (event) => {
    const target = event.target instanceof Element ? event.target : null;
    const el = target?.closest<HTMLElement>('.summary')?.parentElement;
    if (!el || !all.includes(el)) return;
    if (!target?.closest('.toggle') && !(getSelection()?.isCollapsed ?? true)) return;
    setOpen(el, !el.classList.contains('open'));
  });

  const haystacks = new Map<HTMLElement, string>();
  function haystack(el: HTMLElement): string {
    let text = haystacks.get(el);
    if (text === undefined) {
      const { from, to } = rangeOf(el);
      const parts = [el.querySelector('.summary')?.textContent ?? ''];
      for (let i = from; i < to; i++) {
        const r = view.findings[i]!;
        parts.push(str(r[9]), str(r[10]), str(r[11]), str(r[12]));
      }
      text = parts.join('\n').toLowerCase();
      haystacks.set(el, text);
    }
    return text;
  }

  const input = document.querySelector<HTMLInputElement>('#trace-filter');
  const status = document.querySelector<HTMLElement>('#trace-filter-status');
  let pending = 0;
  function applyFilter(): void {
    const needle = (input?.value ?? '').trim().toLowerCase();
    let shown = 0;
    for (const el of all) {
      el.hidden = needle !== '' && !haystack(el).includes(needle);
      if (!el.hidden) shown++;
    }
    if (status) status.textContent = needle === '' ? '' : `${fmt.count(shown)} of ${fmt.plural(all.length, 'timeline')} match`;
  }
  if (input) {
    input.closest<HTMLElement>('.filter')?.removeAttribute('hidden');
    input.addEventListener('input', () => {
      clearTimeout(pending);
      pending = window.setTimeout(applyFilter, 150);
    });
  }

  let picked: HTMLElement | undefined;
  return {
    open(row: number): void {
      // -1: no trace id (the untraced timeline); -2: a trace past the listing cap, no timeline.
      const trace = view.findings[row]?.[3];
      if (trace === undefined || trace < -1) return;
      const key = trace === -1 ? 'untraced' : String(trace);
      const el = all.find((d) => d.dataset.trace === key);
      if (!el) return;
      el.hidden = false;
      setOpen(el, true);
      const tr = fill(el, row);
      picked?.classList.remove('picked');
      picked = tr;
      tr?.classList.add('picked');
      (tr ?? el).scrollIntoView({ block: 'center' });
    },
  };
}
