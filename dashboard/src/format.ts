/** Numbers and states as a person reads them. */
export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '';
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

export function when(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

/** How a copy's state shows in a cell: an icon (decoration) and the words that say it. */
export const STATES: Record<string, { icon: string; label: string; tone: string }> = {
  active: { icon: '✔', label: 'active', tone: 'ok' },
  queued: { icon: '…', label: 'queued', tone: 'busy' },
  copying: { icon: '⟳', label: 'copying', tone: 'busy' },
  deleting: { icon: '⟳', label: 'deleting', tone: 'busy' },
  error: { icon: '✖', label: 'error', tone: 'bad' },
  cancelled: { icon: '⊘', label: 'cancelled', tone: 'muted' },
  missing: { icon: '⚠', label: 'missing', tone: 'warn' },
  mismatch: { icon: '≠', label: 'mismatch', tone: 'warn' },
};

export function stateOf(status: string): { icon: string; label: string; tone: string } {
  return STATES[status] ?? { icon: '•', label: status, tone: 'muted' };
}

/** A text field of a form ('' when absent or a file). */
export function formText(form: FormData, name: string, fallback = ''): string {
  const value = form.get(name);
  return typeof value === 'string' && value !== '' ? value : fallback;
}

/** A kind of cloud as a column or card says it: a short tag, and the service it stands for. */
export const KINDS: Record<string, { tag: string; service: string }> = {
  openstack: { tag: 'Glance', service: 'OpenStack Glance' },
  aws: { tag: 'EC2', service: 'AWS EC2' },
  gcp: { tag: 'GCE', service: 'Google Compute Engine' },
};

export function kindOf(type: string): { tag: string; service: string } {
  return KINDS[type] ?? { tag: type, service: type };
}
