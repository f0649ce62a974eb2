// Response and request headers with fetch's rules: names compared ignoring case, repeated names joined.

/** What `fetch` accepts as headers. */
export type HeadersInit = PinwireHeaders | Record<string, string> | ReadonlyArray<readonly [string, string]>;

/** Headers in order, like fetch's `Headers` (read-only for responses). */
export class PinwireHeaders implements Iterable<[string, string]> {
  private readonly lines: [string, string][];

  constructor(init?: HeadersInit) {
    if (init === undefined) this.lines = [];
    else if (init instanceof PinwireHeaders) this.lines = init.lines.map(([n, v]) => [n, v]);
    else if (Array.isArray(init)) this.lines = init.map(([n, v]) => [n.toLowerCase(), v]);
    else this.lines = Object.entries(init as Record<string, string>).map(([n, v]) => [n.toLowerCase(), v]);
  }

  /** Every value of `name`, joined with `, ` as fetch does; null when absent. */
  get(name: string): string | null {
    const values = this.getAll(name);
    return values.length === 0 ? null : values.join(', ');
  }

  /** Every value of `name`, in order. */
  getAll(name: string): string[] {
    const key = name.toLowerCase();
    return this.lines.filter(([n]) => n === key).map(([, v]) => v);
  }

  has(name: string): boolean {
    return this.getAll(name).length > 0;
  }

  /** The lines as sent or received: lower-case names, repeated names kept apart, in order. */
  raw(): [string, string][] {
    return this.lines.map(([n, v]) => [n, v]);
  }

  forEach(callback: (value: string, name: string) => void): void {
    for (const [name, value] of this) callback(value, name);
  }

  /** Name/value pairs as fetch gives them: one per name, sorted, values joined. */
  *entries(): IterableIterator<[string, string]> {
    const names = [...new Set(this.lines.map(([n]) => n))].sort();
    for (const name of names) yield [name, this.get(name) as string];
  }

  keys(): IterableIterator<string> {
    return [...this.entries()].map(([n]) => n)[Symbol.iterator]();
  }

  values(): IterableIterator<string> {
    return [...this.entries()].map(([, v]) => v)[Symbol.iterator]();
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
}
