/** Infrastructure is missing or not answering; the message says what to do about it. */
export class InfrastructureUnavailableError extends Error {
  override readonly name = 'InfrastructureUnavailableError';
}
