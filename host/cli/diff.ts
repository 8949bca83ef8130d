// What a new prescription changes against the running one, field by field, both in the
// firmware's reading (so `rateNlPerDay: 1000000` in a file and in the pump compare equal
// however they were written).

export interface Change {
  readonly field: string;
  readonly from: string | undefined;
  readonly to: string | undefined;
}

function flatten(value: unknown, path: string, out: Map<string, string>): void {
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) flatten(v, `${path}[${i}]`, out);
  } else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) flatten(v, path ? `${path}.${k}` : k, out);
  else out.set(path, JSON.stringify(value));
}

export function diffPrescriptions(running: unknown, next: unknown): Change[] {
  const a = new Map<string, string>();
  const b = new Map<string, string>();
  if (running !== undefined) flatten(running, '', a);
  flatten(next, '', b);
  const fields = [...new Set([...a.keys(), ...b.keys()])];
  return fields.filter((f) => a.get(f) !== b.get(f)).map((field) => ({ field, from: a.get(field), to: b.get(field) }));
}
