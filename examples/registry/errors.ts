// The registry's typed errors. NOT_FOUND is not an engine condition (sett's get returns undefined),
// so it is the registry's own class; the messages are the seed's ("key not found").

/** A KV key or a service that is absent (for a service: never set, deleted, or its TTL ran out). */
export class NotFoundError extends Error {
  readonly code = 'NOT_FOUND';
  constructor(message: 'key not found' | 'service not found') {
    super(message);
    this.name = 'NotFoundError';
  }
}
