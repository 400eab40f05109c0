// voiceops is a native addon holding secrets: never bundled, loaded by Node at run time on
// the server. Its package.json sends browser bundles to an entry that fails the build with a
// "server-only" message.
//
// serverExternalPackages keeps an installed copy of voiceops out of the server bundle. This
// example links the package from the repository (file:../../bindings/node), whose real path
// is outside node_modules, so the webpack hook below marks it external by name as well; build
// with `next build --webpack`.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..', '..');
const serverOnly = ['voiceops', 'voiceops/next', 'voiceops/express'];

/** @type {import('next').NextConfig} */
const config = {
  serverExternalPackages: ['voiceops'],
  outputFileTracingRoot: repoRoot,
  /** @param {any} webpackConfig @param {{ isServer: boolean, nextRuntime?: string }} ctx */
  webpack(webpackConfig, { isServer, nextRuntime }) {
    if (isServer && nextRuntime === 'nodejs') {
      const byName = Object.fromEntries(serverOnly.map((m) => [m, `commonjs ${m}`]));
      webpackConfig.externals = [...[].concat(webpackConfig.externals || []), byName];
    }
    return webpackConfig;
  },
};
export default config;
