// The person at the bench, as the station meets them: told to do something at a board (press
// the service button, fill the syringe) and asked what only a person can see or hear (does the
// buzzer sound, does the LED light). Several boards run at once, so questions are put one at a
// time. A station without a person (no terminal, a virtual batch) answers "skip", and the step
// is recorded as skipped: never as a pass nobody saw.

export type Answer = 'yes' | 'no' | 'skip';

export interface Operator {
  /** Who is testing (recorded with every run). */
  readonly name: string;
  /** Asks the operator to do something at a board; resolves when it is done. Rejects when nobody can do it. */
  act(board: string, instruction: string, virtualAct?: () => Promise<void>): Promise<void>;
  ask(board: string, question: string): Promise<Answer>;
}

export class NoOperatorError extends Error {}

/** One question at a time, whatever the number of boards asking. */
function serial(): <T>(f: () => Promise<T>) => Promise<T> {
  let chain: Promise<unknown> = Promise.resolve();
  return <T>(f: () => Promise<T>): Promise<T> => {
    const next = chain.then(f, f);
    chain = next.catch(() => undefined);
    return next;
  };
}

/**
 * A person at a terminal, through a yes/no prompt (pumpctl's Io.confirm). Actions a virtual
 * board can do by itself (its console's service button) are done so without asking.
 */
export function terminalOperator(name: string, confirm: ((q: string) => Promise<boolean>) | undefined, say: (text: string) => void): Operator {
  const one = serial();
  return {
    name,
    act: (board, instruction, virtualAct) =>
      one(async () => {
        if (virtualAct) return virtualAct();
        if (!confirm) throw new NoOperatorError(`${instruction}: there is no terminal to ask the operator on (run the station at a terminal)`);
        say(`${board}: ${instruction}`);
        if (!(await confirm(`${board}: done?`))) throw new NoOperatorError(`${instruction}: the operator answered no`);
      }),
    ask: (board, question) =>
      one(async () => {
        if (!confirm) return 'skip';
        return (await confirm(`${board}: ${question}`)) ? 'yes' : 'no';
      }),
  };
}
