const { NxAppWebpackPlugin } = require('@nx/webpack/app-plugin');
const { join } = require('path');

module.exports = {
  output: {
    path: join(__dirname, '../../dist/apps/gateway'),
    // The worker entry must export its handler for piscina: emit entries as CommonJS modules.
    library: { type: 'commonjs2' },
  },
  optimization: {
    // Without this, webpack's production mode bakes NODE_ENV=production into the bundle, and the
    // gateway would then refuse to start without AUTH_JWT_SECRET: NODE_ENV is read at run time.
    nodeEnv: false,
  },
  plugins: [
    new NxAppWebpackPlugin({
      target: 'node',
      compiler: 'tsc',
      main: './src/main.ts',
      tsConfig: './tsconfig.app.json',
      assets: ['./src/assets'],
      // The serialization lib looks for its worker as `serialization-worker.js` beside main.js.
      additionalEntryPoints: [
        {
          entryName: 'serialization-worker',
          entryPath: 'libs/serialization/src/lib/worker/serialize.worker.ts',
        },
      ],
      optimization: false,
      outputHashing: 'none',
      generatePackageJson: false,
      sourceMap: true,
    }),
  ],
};
