import nx from '@nx/eslint-plugin';

// Module boundaries mirror the architecture: dependencies point one way and no lib imports an app.
const depConstraints = [
  { sourceTag: 'scope:events', onlyDependOnLibsWithTags: [] },
  { sourceTag: 'scope:serialization', onlyDependOnLibsWithTags: ['scope:events'] },
  { sourceTag: 'scope:agent-engine', onlyDependOnLibsWithTags: ['scope:events'] },
  {
    sourceTag: 'scope:realtime',
    onlyDependOnLibsWithTags: ['scope:events', 'scope:serialization'],
  },
  {
    sourceTag: 'scope:chat-workflow',
    onlyDependOnLibsWithTags: ['scope:events', 'scope:agent-engine', 'scope:realtime'],
  },
  { sourceTag: 'scope:client', onlyDependOnLibsWithTags: ['scope:events'] },
  { sourceTag: 'type:lib', notDependOnLibsWithTags: ['type:app'] },
  { sourceTag: 'scope:tools', onlyDependOnLibsWithTags: ['type:lib'] },
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  { ignores: ['**/dist', '**/node_modules', '**/.nx', '**/coverage', '**/tmp', '**/data'] },
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        { enforceBuildableLibDependency: true, allow: [], depConstraints },
      ],
    },
  },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
];
