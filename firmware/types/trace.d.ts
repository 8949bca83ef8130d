// XS's global `trace` (the debug console on the device), for firmware/app/main.ts. Declared
// here rather than by including @moddable/typings/xs.d.ts, which also adds XS-only APIs
// (Math.idiv, ArrayBuffer.fromString, a different JSON.parse) that code shared with the host
// must not come to rely on. XS writes the text as given: end each line with "\n".

declare const trace: (...items: (string | number | boolean)[]) => void;
