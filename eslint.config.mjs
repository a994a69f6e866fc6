import nx from '@nx/eslint-plugin';

// Module boundaries mirror the architecture: dependencies point one way and no lib imports an app.
const depConstraints = [
  { sourceTag: 'scope:events', onlyDependOnLibsWithTags: ['type:test-support'] },
  {
    sourceTag: 'scope:serialization',
    onlyDependOnLibsWithTags: ['scope:events', 'type:test-support'],
  },
  {
    sourceTag: 'scope:agent-engine',
    onlyDependOnLibsWithTags: ['scope:events', 'type:test-support'],
  },
  {
    sourceTag: 'scope:realtime',
    onlyDependOnLibsWithTags: ['scope:events', 'scope:serialization', 'type:test-support'],
  },
  {
    sourceTag: 'scope:chat-workflow',
    onlyDependOnLibsWithTags: [
      'scope:events',
      'scope:agent-engine',
      'scope:realtime',
      'type:test-support',
    ],
  },
  { sourceTag: 'scope:client', onlyDependOnLibsWithTags: ['scope:events', 'type:test-support'] },
  { sourceTag: 'type:lib', notDependOnLibsWithTags: ['type:app'] },
  { sourceTag: 'type:test-support', onlyDependOnLibsWithTags: [] },
  { sourceTag: 'scope:tools', onlyDependOnLibsWithTags: ['type:lib'] },
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib', 'type:test-support'] },
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
