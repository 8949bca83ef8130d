// The dashboard page as one HTML document: host/web/page/main.ts and everything it imports
// (uPlot, its CSS, the page's own style) bundled by esbuild, the project's bundler, into a
// script and a style inlined in the HTML. One response, nothing fetched from anywhere else:
// it works offline, and the Content-Security-Policy allows exactly these two by their hashes.

import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ENTRY = fileURLToPath(new URL('./page/main.ts', import.meta.url));

export interface BuiltPage {
  readonly html: string;
  /** The Content-Security-Policy header for it. */
  readonly csp: string;
}

const hash = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** Bundles the page (about a tenth of a second); the server does it once at start. */
export async function buildPage(): Promise<BuiltPage> {
  const r = await build({
    entryPoints: [ENTRY],
    bundle: true,
    minify: true,
    write: false,
    format: 'iife',
    target: 'es2020',
    outdir: 'out',
    legalComments: 'none',
    logLevel: 'silent',
  });
  const js = r.outputFiles.find((f) => f.path.endsWith('.js'))?.text ?? '';
  const css = r.outputFiles.find((f) => f.path.endsWith('.css'))?.text ?? '';
  // "</" cannot end the script or style early: esbuild escapes it in strings; check anyway.
  if (/<\/script/i.test(js) || /<\/style/i.test(css)) throw new Error('the page bundle contains a closing tag');
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>Pump dashboard</title>
<style>${css}</style>
</head>
<body>
<noscript>The dashboard needs JavaScript.</noscript>
<script>${js}</script>
</body>
</html>
`;
  const csp = [
    "default-src 'none'",
    `script-src ${hash(js)}`,
    `style-src ${hash(css)}`,
    "connect-src 'self'",
    "img-src 'self' data: blob:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { html, csp };
}
