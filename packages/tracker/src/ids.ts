/** Creates a random id of 32 hexadecimal digits (128 bits), for visitors, sessions and events. */
export const randomId = (): string =>
  Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => (byte + 256).toString(16).slice(1)).join('');
