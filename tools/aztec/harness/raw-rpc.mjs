// JSON-RPC by hand (Node's fetch), for the wire shapes Aztec's client hides: status codes, error objects, batches.
import { gzipSync } from 'node:zlib';

/** POSTs `body` (a string, or a value to JSON-encode) to the broker; returns {status, json, text}. */
export async function post(url, body, { gzip = false } = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const headers = { 'content-type': 'application/json' };
  let payload = text;
  if (gzip) {
    payload = gzipSync(Buffer.from(text));
    headers['content-encoding'] = 'gzip';
  }
  const response = await fetch(url, { method: 'POST', headers, body: payload });
  const responseText = await response.text();
  let json;
  try {
    json = JSON.parse(responseText);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text: responseText };
}

/** Sends one call as a batch of one, as Aztec's client does; returns the batch's only item. */
export async function callInBatch(url, method, params, id = 1) {
  const { status, json } = await post(url, [{ jsonrpc: '2.0', id, method, params }]);
  if (status !== 200 || !Array.isArray(json) || json.length !== 1) {
    throw new Error(`batch of one to ${method}: HTTP ${status}, ${JSON.stringify(json)?.slice(0, 300)}`);
  }
  return json[0];
}
