// Node resolve hook (module.register): sends imports of @aztec/native to the stand-in beside this file.
const standIn = new URL('./native-stand-in.mjs', import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  if (specifier === '@aztec/native') {
    return { url: standIn, shortCircuit: true };
  }
  return nextResolve(specifier, context);
}
