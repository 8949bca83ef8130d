// CSS imported for esbuild to bundle (host/web/build-page.ts); nothing to type.
declare module '*.css';
