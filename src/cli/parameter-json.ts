import { storedRange, type Parameter } from '../model/parameter.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** Metadata shown as text when it is printable UTF-8, else as hex. */
function metadataJson(metadata: Uint8Array): { metadata: string } | { metadataHex: string } {
  const text = Buffer.from(metadata).toString('utf8');
  return /^[\x20-\x7e\s\u00a0-\uffff]*$/.test(text) && !text.includes('\ufffd') ? { metadata: text } : { metadataHex: hex(metadata) };
}

/** The JSON form of a parameter that `dump --json` and `create --json` print. */
export function describeParameterJson(p: Parameter, sha256?: string): Record<string, unknown> {
  const range = storedRange(p);
  return {
    scope: p.scope,
    key: p.key,
    length: p.length,
    storage: p.storage.kind,
    ...(range ? { file: range.path, offset: range.offset, end: range.offset + p.length } : {}),
    ...(p.storage.kind === 'splat' ? { pattern: hex(p.storage.pattern) } : {}),
    alignment: p.alignment,
    // shape: outermost first, as PyTorch and safetensors give it; ggml lists the same dimensions innermost first (its ne[]).
    ...(p.tensor ? { dtype: p.tensor.dtype, shape: p.tensor.shape } : {}),
    ...(p.tensor?.ggmlType !== undefined ? { ggmlShape: [...p.tensor.shape].reverse() } : {}),
    ...(p.metadata ? metadataJson(p.metadata) : {}),
    ...(sha256 ? { sha256 } : {}),
  };
}
