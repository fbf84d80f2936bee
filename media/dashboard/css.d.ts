// CSS imports are bundled by esbuild (dist/webview/dashboard.css).
declare module '*.css';
