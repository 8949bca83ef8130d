// The one host error model (host/errors/): a run folder's recorded error comes back as the
// same error with its exit status, from its code, never from words parsed out of a message.
import { describe, expect, it } from 'vitest';
import { HELP } from '../host/board/options';
import { recordedError } from '../host/cli/commands/balance-run';
import { EXIT, errorFromRecord, HOST_ERRORS } from '../host/errors';
import { balanceError } from '../host/errors/balance';
import { boardError } from '../host/errors/board';
import { cliError } from '../host/errors/pumpctl';

describe('host errors', () => {
  it('print as "E<code> NAME: message" and end with the shared exit status', () => {
    expect(cliError('TIMEOUT', 'no answer').text).toBe('E812 TIMEOUT: no answer');
    expect(cliError('TIMEOUT', 'x').exitCode).toBe(EXIT.timeout);
    // The board's refusal and pumpctl's pump refusal mean the same, so they end the same.
    expect(boardError('REFUSED', 'x').exitCode).toBe(cliError('PUMP_REFUSED', 'x').exitCode);
    expect(balanceError('OVERLOAD', 'S +').text).toBe('E901 OVERLOAD: the balance is overloaded (the load is above its capacity): S +');
  });

  it('come back from a run record by code, with their exit status', () => {
    const aborted = balanceError('ABORTED', 'interrupted by the operator');
    const again = errorFromRecord(aborted.record());
    expect(again?.text).toBe(aborted.text);
    expect(again?.exitCode).toBe(EXIT.aborted);
    const r = recordedError({ reason: aborted.text, error: aborted.record() });
    expect([r.code, r.exitCode]).toEqual([931, EXIT.aborted]);
    expect(r.message).toMatch(/partial data and report written/);
    expect(recordedError({ error: balanceError('NO_ALARM', '60 min').record() }).exitCode).toBe(EXIT.tolerance);
  });

  it('never read a code out of the words: a reason without its record is a plain usage error', () => {
    const r = recordedError({ reason: 'E931 ABORTED: the run was aborted' });
    expect([r.code, r.exitCode]).toEqual([800, EXIT.usage]);
    expect(errorFromRecord({ code: 999, message: 'no such code' })).toBeUndefined();
  });

  it("the board's --help lists its exit statuses from the shared table", () => {
    const exits = HELP.slice(HELP.indexOf('Exit codes:'));
    for (const e of HOST_ERRORS.filter((x) => x.code >= 850 && x.code < 900 && !x.answered)) expect(exits).toMatch(new RegExp(`\\b${EXIT[e.exit]} +${e.exit}\\b[^\\n]*E${e.code} ${e.name}`));
  });
});
