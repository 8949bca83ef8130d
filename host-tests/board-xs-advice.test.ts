// E860 says what to do by where loading the board on XS failed: a missing worker binary wants a
// rebuild, but a bundle that did not build or firmware that XS threw on does not (before, all
// three told the user to rebuild the worker, which cannot help the other two).
import { describe, expect, it } from 'vitest';
import { xsUnavailable } from '../host/board/engine';
import { XsLoadError } from '../host/xs/runner';

describe('E860 XS_UNAVAILABLE advice', () => {
  it('a missing worker: rebuild it', () => {
    const e = xsUnavailable(new XsLoadError('worker', new Error('The XS engine is missing')));
    expect(e.code).toBe(860);
    expect(e.message).toMatch(/missing[\s\S]*npm rebuild @agoric\/xsnap/);
  });

  it('a bundle that did not build: a source error, not a rebuild', () => {
    const e = xsUnavailable(new XsLoadError('bundle', new Error('TS2322: bad type')));
    expect(e.message).toMatch(/TS2322[\s\S]*did not build/);
    expect(e.message).not.toMatch(/npm rebuild/);
  });

  it('XS threw on the firmware: a bug to report, not a rebuild', () => {
    const e = xsUnavailable(new XsLoadError('evaluate', new Error('TypeError: no function')));
    expect(e.message).toMatch(/TypeError: no function[\s\S]*XS threw while loading the firmware/);
    expect(e.message).not.toMatch(/npm rebuild/);
  });

  it('XsLoadError.at tags a thrown error with its stage and keeps the message', () => {
    const e = (() => {
      try {
        return XsLoadError.at('worker', () => {
          throw new Error('no binary');
        });
      } catch (x) {
        return x;
      }
    })();
    expect(e).toBeInstanceOf(XsLoadError);
    expect((e as XsLoadError).stage).toBe('worker');
    expect((e as Error).message).toBe('no binary');
  });
});
