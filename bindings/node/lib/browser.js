'use strict';
// The entry bundlers pick for a browser (package.json "browser" and the "browser", "worker"
// and "edge-light" export conditions). voiceops holds tenant credentials (Twilio auth
// tokens, Vapi private keys) and a native addon: it must never reach a browser bundle.
//
// Bundlers resolve every require() they see, so the one below fails the BUILD (webpack,
// Next.js, esbuild, Rollup/Vite) with its module name as the message. At run time (a test
// runner with browser conditions) the throw below says the same.
const MESSAGE = 'voiceops is server-only: it holds tenant secrets (Twilio auth tokens, Vapi ' +
  'private keys) and a native addon, and must never be bundled for a browser. Import it only ' +
  "from server code (Next.js route handlers and server actions with runtime = 'nodejs', " +
  'Express); in a client component, call your own API route instead.';

function failTheBuild() {
  // eslint-disable-next-line import/no-unresolved
  return require('voiceops-is-server-only--it-holds-tenant-secrets-and-must-never-be-bundled-for-a-browser--import-it-from-server-code-only');
}

throw new Error(MESSAGE + (typeof failTheBuild === 'function' ? '' : ''));
