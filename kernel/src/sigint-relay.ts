/**
 * Child process of the interrupt watchdog: it shares the kernel's process group, so Jupyter's SIGINT reaches
 * it even while the kernel's main thread is busy; each one is reported as a byte on stdout. It exits when
 * its stdin closes (the kernel is gone).
 */
process.on('SIGINT', () => {
  process.stdout.write('i');
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
