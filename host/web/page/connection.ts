// The page's WebSocket to its server: the token comes from the page's own URL (the one the
// console printed), every request gets an id and its answer resolves the promise, and a lost
// connection is retried with the same token.

import type { PageRequest, ServerMessage } from '../messages';

export interface Answer {
  readonly ok: boolean;
  readonly text: string;
  readonly data?: unknown;
}

export class Connection {
  #ws: WebSocket | undefined;
  #id = 0;
  readonly #waiting = new Map<number, (a: Answer) => void>();
  readonly #onMessage: (m: ServerMessage) => void;
  readonly #onState: (open: boolean) => void;

  constructor(onMessage: (m: ServerMessage) => void, onState: (open: boolean) => void) {
    this.#onMessage = onMessage;
    this.#onState = onState;
    this.#open();
  }

  #open(): void {
    const token = new URLSearchParams(location.search).get('token') ?? '';
    const ws = new WebSocket(`ws://${location.host}/ws?token=${encodeURIComponent(token)}`);
    this.#ws = ws;
    ws.onopen = () => this.#onState(true);
    ws.onmessage = (e) => {
      const m = JSON.parse(String(e.data)) as ServerMessage;
      if (m.type === 'reply') {
        const w = this.#waiting.get(m.id);
        this.#waiting.delete(m.id);
        w?.({ ok: m.ok, text: m.text, ...(m.data !== undefined && { data: m.data }) });
      } else this.#onMessage(m);
    };
    ws.onclose = () => {
      this.#onState(false);
      for (const w of this.#waiting.values())
        w({ ok: false, text: 'the connection to the dashboard server was lost: the request may or may not have reached the pump; check the status and the history' });
      this.#waiting.clear();
      setTimeout(() => this.#open(), 2000); // retrying a lost server, wall time by design
    };
  }

  request(r: PageRequest): Promise<Answer> {
    const ws = this.#ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return Promise.resolve({ ok: false, text: 'not connected to the dashboard server' });
    const id = ++this.#id;
    return new Promise((resolve) => {
      this.#waiting.set(id, resolve);
      ws.send(JSON.stringify({ ...r, id }));
    });
  }
}
