// Imports a module of the built JavaScript (`path` from the checkout's root: dist/… or the bundled
// agent in packages/satellite/dist/); when it was never built, says how to build it and exits with
// code 2 instead of a module-resolution stack trace.
export async function loadBuilt(program, path) {
  try {
    return await import(new URL(`../${path}`, import.meta.url).href);
  } catch (error) {
    if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes(path)) throw error;
    console.error(`${program}: ${path} is missing: run \`npm run build\` in the checkout (npm install does it)`);
    process.exit(2);
  }
}
