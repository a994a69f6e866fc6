// Preloaded into a gateway under benchmark only (node --expose-gc -r this-file): SIGUSR2 runs a
// full garbage collection, so heap figures can be read "after a GC" from outside the process.
process.on('SIGUSR2', () => {
  if (typeof global.gc === 'function') global.gc();
});
